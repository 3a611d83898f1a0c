{{- define "tripsage.host" -}}
{{- printf "%s.%s.svc.cluster.local" (include "tripsage.name" .) .Release.Namespace -}}
{{- end -}}

{{/* One subset per track, selected by the pods' `version` label. */}}
{{- define "tripsage.destinationrule" -}}
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: {{ include "tripsage.name" . }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
spec:
  host: {{ include "tripsage.host" . }}
  trafficPolicy:
    tls:
      mode: ISTIO_MUTUAL
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 10s
      baseEjectionTime: 30s
      maxEjectionPercent: 50
  subsets:
    {{- range $track := include "tripsage.tracks" . | fromYamlArray }}
    - name: {{ $track.name }}
      labels:
        version: {{ $track.name }}
    {{- end }}
{{- end -}}

{{/*
The tester header goes to the preview track (canary, or the idle colour) first; everyone else is split by
weight. Istio's own retries are off: the gateway's shared client already retries idempotent calls, and two
layers of retries multiply load on a failing service.
*/}}
{{- define "tripsage.virtualservice" -}}
{{- $v := .Values -}}
{{- $host := include "tripsage.host" . -}}
{{- $preview := include "tripsage.previewTrack" . -}}
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: {{ include "tripsage.name" . }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
spec:
  hosts:
    - {{ $host }}
    {{- if $v.public }}
    {{- range $v.istio.ingress.hosts }}
    - {{ . | quote }}
    {{- end }}
    {{- end }}
  {{- if $v.public }}
  gateways:
    - mesh
    - {{ required "istio.ingress.gateway is required for the public service" $v.istio.ingress.gateway }}
  {{- end }}
  http:
    {{- if $preview }}
    - name: preview
      match:
        - headers:
            {{ $v.rollout.testerHeader.name }}:
              exact: {{ $v.rollout.testerHeader.value | quote }}
      route:
        - destination:
            host: {{ $host }}
            subset: {{ $preview }}
            port:
              number: {{ $v.service.port }}
      retries:
        attempts: 0
    {{- end }}
    - name: primary
      route:
        {{- range $track := include "tripsage.tracks" . | fromYamlArray }}
        - destination:
            host: {{ $host }}
            subset: {{ $track.name }}
            port:
              number: {{ $v.service.port }}
          weight: {{ $track.weight }}
        {{- end }}
      retries:
        attempts: 0
{{- end -}}

{{- define "tripsage.peerauthentication" -}}
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: {{ include "tripsage.name" . }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- include "tripsage.selectorLabels" . | nindent 6 }}
  mtls:
    mode: STRICT
{{- end -}}

{{/* Only the named callers' service accounts (and, for the public service, the ingress gateway) get in. */}}
{{- define "tripsage.authorizationpolicy" -}}
{{- $root := . -}}
{{- $v := .Values -}}
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: {{ include "tripsage.name" . }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- include "tripsage.selectorLabels" . | nindent 6 }}
  action: ALLOW
  rules:
    - from:
        - source:
            principals:
              {{- if $v.public }}
              - {{ $v.istio.ingress.principal | quote }}
              {{- end }}
              {{- range $v.allowedCallers }}
              - {{ include "tripsage.principal" (list $root .) | quote }}
              {{- end }}
      to:
        - operation:
            ports: [{{ $v.service.port | quote }}]
{{- end -}}

{{/* The provider hosts this service calls, so mesh egress (REGISTRY_ONLY) lets exactly these out. */}}
{{- define "tripsage.serviceentry" -}}
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: {{ include "tripsage.name" . }}-providers
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
spec:
  hosts:
    {{- range .Values.providers }}
    - {{ . | quote }}
    {{- end }}
  exportTo: ["."]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - number: 443
      name: https
      protocol: TLS
{{- end -}}

{{- define "tripsage.serviceentry.postgres" -}}
{{- $pg := .Values.externalPostgres -}}
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: {{ include "tripsage.name" . }}-postgres
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
spec:
  hosts:
    - {{ $pg.host | quote }}
  exportTo: ["."]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    {{- range $pg.ports }}
    - number: {{ . }}
      name: tcp-postgres-{{ . }}
      protocol: TCP
    {{- end }}
{{- end -}}
