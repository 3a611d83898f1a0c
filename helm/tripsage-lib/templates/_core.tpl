{{/* The Service selects `app` only, so both tracks sit behind it; Istio subsets decide who gets what. */}}
{{- define "tripsage.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "tripsage.name" . }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "tripsage.selectorLabels" . | nindent 4 }}
  ports:
    # The `http-` prefix tells Istio the protocol, so routing and mTLS work at L7.
    - name: http-{{ include "tripsage.name" . }}
      port: {{ .Values.service.port }}
      targetPort: http
      protocol: TCP
      appProtocol: http
{{- end -}}

{{- define "tripsage.serviceaccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "tripsage.serviceAccountName" . }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
# The services never call the Kubernetes API.
automountServiceAccountToken: false
{{- end -}}

{{/* Non-secret settings only; secrets reach the pod by secretKeyRef to an existing Secret (see secretEnv). */}}
{{- define "tripsage.configmap" -}}
{{- $prefix := include "tripsage.prefix" . -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "tripsage.name" . }}-config
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
data:
  {{ $prefix }}_ENVIRONMENT: {{ .Values.environment | quote }}
  {{ $prefix }}_HOST: "0.0.0.0"
  {{ $prefix }}_PORT: {{ .Values.service.port | quote }}
  {{ $prefix }}_LOG_LEVEL: {{ .Values.logLevel | quote }}
  {{ $prefix }}_GRACEFUL_TIMEOUT_S: {{ .Values.lifecycle.gracefulTimeoutSeconds | quote }}
  {{- range $key, $value := .Values.config }}
  {{ $key }}: {{ $value | toString | quote }}
  {{- end }}
{{- end -}}
