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
The tester header goes to the preview track (canary, or the idle colour) first; everyone else is split by weight.
Each target has two routes: GET and HEAD, which may be retried on `istio.retries.retryOn`, and every other method,
retried only where the request never reached the service (`connect-failure`, `refused-stream`: safe for a POST too).
Every route carries `istio.timeout`, Envoy's limit on the whole call, retries included.
*/}}
{{- define "tripsage.virtualservice" -}}
{{- $v := .Values -}}
{{- $host := include "tripsage.host" . -}}
{{- $preview := include "tripsage.previewTrack" . -}}
{{- $tester := dict $v.rollout.testerHeader.name (dict "exact" ($v.rollout.testerHeader.value | toString)) -}}
{{- $idempotent := dict "regex" "GET|HEAD" -}}
{{- $routes := list -}}
{{- if $preview }}
{{- $routes = append $routes (dict "name" "preview-idempotent" "match" (list (dict "headers" $tester "method" $idempotent)) "preview" true "idempotent" true) -}}
{{- $routes = append $routes (dict "name" "preview" "match" (list (dict "headers" $tester)) "preview" true "idempotent" false) -}}
{{- end }}
{{- $routes = append $routes (dict "name" "idempotent" "match" (list (dict "method" $idempotent)) "preview" false "idempotent" true) -}}
{{- $routes = append $routes (dict "name" "primary" "preview" false "idempotent" false) -}}
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
    {{- range $r := $routes }}
    - name: {{ $r.name }}
      {{- with $r.match }}
      match:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      route:
        {{- if $r.preview }}
        - destination:
            host: {{ $host }}
            subset: {{ $preview }}
            port:
              number: {{ $v.service.port }}
        {{- else }}
        {{- range $track := include "tripsage.tracks" $ | fromYamlArray }}
        - destination:
            host: {{ $host }}
            subset: {{ $track.name }}
            port:
              number: {{ $v.service.port }}
          weight: {{ $track.weight }}
        {{- end }}
        {{- end }}
      timeout: {{ required "istio.timeout is required" $v.istio.timeout }}
      retries:
        attempts: {{ $v.istio.retries.attempts }}
        {{- if $v.istio.retries.attempts }}
        retryOn: {{ ternary $v.istio.retries.retryOn "connect-failure,refused-stream" $r.idempotent }}
        {{- end }}
    {{- end }}
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
