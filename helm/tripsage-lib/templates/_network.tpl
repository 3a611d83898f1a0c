{{/*
Pod-level default deny: the policy selects this service's pods for Ingress and Egress, so anything not
allowed below is refused. Hostnames cannot be named in a NetworkPolicy, so provider egress is HTTPS to
public addresses here, narrowed to the exact hosts by the ServiceEntries under REGISTRY_ONLY mesh egress.
*/}}
{{- define "tripsage.networkpolicy" -}}
{{- $v := .Values -}}
{{- $np := $v.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "tripsage.name" . }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "tripsage.selectorLabels" . | nindent 6 }}
  policyTypes: ["Ingress", "Egress"]
  ingress:
    {{- if $v.public }}
    # The Istio ingress gateway is the only way in from outside.
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $np.ingressGateway.namespace }}
          podSelector:
            matchLabels:
              {{- toYaml $np.ingressGateway.podLabels | nindent 14 }}
      ports:
        - port: {{ $v.service.port }}
          protocol: TCP
    {{- end }}
    {{- with $v.allowedCallers }}
    - from:
        {{- range . }}
        - podSelector:
            matchLabels:
              app: {{ . }}
        {{- end }}
      ports:
        - port: {{ $v.service.port }}
          protocol: TCP
    {{- end }}
    # Envoy's merged Prometheus metrics, scraped by the Datadog Agent on the node.
    - ports:
        - port: 15020
          protocol: TCP
  egress:
    # DNS.
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
    # istiod: the sidecar's configuration and certificates.
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $np.istiod.namespace }}
          podSelector:
            matchLabels:
              app: istiod
      ports:
        - port: 15012
          protocol: TCP
    {{- with $v.upstreams }}
    # The services this one calls, inside the mesh.
    - to:
        {{- range $name, $port := . }}
        - podSelector:
            matchLabels:
              app: {{ $name }}
        {{- end }}
      ports:
        {{- range $port := (values . | uniq | sortAlpha) }}
        - port: {{ $port }}
          protocol: TCP
        {{- end }}
    {{- end }}
    {{- if $v.uses.postgres }}
    # Postgres (Supabase, outside the cluster, or an in-cluster pooler).
    - to:
        {{- toYaml $np.postgres.to | nindent 8 }}
      ports:
        {{- range $np.postgres.ports }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
    {{- end }}
    {{- if $v.uses.redis }}
    # Dragonfly (Redis protocol), or whatever networkPolicy.redis.to selects.
    - to:
        {{- toYaml $np.redis.to | nindent 8 }}
      ports:
        - port: {{ $np.redis.port }}
          protocol: TCP
    {{- end }}
    {{- if $v.datadog.enabled }}
    # The node-local Datadog Agent: DogStatsD and OTLP/HTTP.
    - to:
        {{- toYaml $np.datadogAgent.to | nindent 8 }}
      ports:
        - port: {{ $v.datadog.otlpHttpPort }}
          protocol: TCP
        {{- if $v.datadog.dogstatsd }}
        - port: {{ $v.datadog.dogstatsdPort }}
          protocol: UDP
        {{- end }}
    {{- end }}
    {{- with $np.extraEgress }}
    # Further egress entries, none in production (the harness's in-cluster provider sandbox).
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- if $v.providers }}
    # Provider APIs: HTTPS to public addresses only.
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except:
              - 10.0.0.0/8
              - 172.16.0.0/12
              - 192.168.0.0/16
      ports:
        - port: 443
          protocol: TCP
    {{- end }}
{{- end -}}

{{/* Namespace-wide deny of everything no policy allows; one chart (the gateway's) owns it. */}}
{{- define "tripsage.networkpolicy.defaultDeny" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-all
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
spec:
  podSelector: {}
  policyTypes: ["Ingress", "Egress"]
{{- end -}}
