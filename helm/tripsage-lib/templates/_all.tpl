{{/* Everything a service chart renders; a service chart's only template is `{{ include "tripsage.all" . }}`. */}}
{{- define "tripsage.all" -}}
{{ include "tripsage.serviceaccount" . }}
---
{{ include "tripsage.configmap" . }}
---
{{ include "tripsage.service" . }}
{{ include "tripsage.workloads" . }}
{{- if .Values.networkPolicy.enabled }}
---
{{ include "tripsage.networkpolicy" . }}
{{- if .Values.networkPolicy.namespaceDefaultDeny }}
---
{{ include "tripsage.networkpolicy.defaultDeny" . }}
{{- end }}
{{- end }}
{{- if .Values.istio.enabled }}
---
{{ include "tripsage.destinationrule" . }}
---
{{ include "tripsage.virtualservice" . }}
---
{{ include "tripsage.peerauthentication" . }}
---
{{ include "tripsage.authorizationpolicy" . }}
{{- if .Values.providers }}
---
{{ include "tripsage.serviceentry" . }}
{{- end }}
{{- if .Values.externalPostgres.host }}
---
{{ include "tripsage.serviceentry.postgres" . }}
{{- end }}
{{- end }}
{{- if .Values.migrations.enabled }}
---
{{ include "tripsage.migrations" . }}
{{- end }}
{{- if (.Values.backups).enabled }}
---
{{ include "tripsage.backups" . }}
{{- end }}
{{- end -}}
