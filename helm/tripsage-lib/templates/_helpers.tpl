{{/* The workload name is the service name alone, so in-cluster URLs are http://<service>:<port>. */}}
{{- define "tripsage.name" -}}
{{- required "service.name is required" .Values.service.name -}}
{{- end -}}

{{- define "tripsage.prefix" -}}
{{- default (upper .Values.service.name) .Values.service.envPrefix -}}
{{- end -}}

{{- define "tripsage.image" -}}
{{- $root := index . 0 -}}
{{- $tag := index . 1 -}}
{{- printf "%s:%s" $root.Values.image.repository (toString $tag) -}}
{{- end -}}

{{/*
An image tag as a label value: a label allows [A-Za-z0-9._-] and 63 characters, a tag also `+` (SemVer build
metadata) and 128. `+` becomes `_` (as Datadog's tag rules do), the rest is cut to 63 and trimmed to start and end alphanumeric.
*/}}
{{- define "tripsage.versionLabel" -}}
{{- $label := toString . | replace "+" "_" | trunc 63 -}}
{{- regexReplaceAll "^[-_.]+|[-_.]+$" $label "" -}}
{{- end -}}

{{- define "tripsage.selectorLabels" -}}
app: {{ include "tripsage.name" . }}
{{- end -}}

{{- define "tripsage.labels" -}}
app: {{ include "tripsage.name" . }}
app.kubernetes.io/name: {{ include "tripsage.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: tripsage
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
tags.datadoghq.com/env: {{ .Values.environment | quote }}
tags.datadoghq.com/service: {{ include "tripsage.name" . }}
{{- end -}}

{{- define "tripsage.serviceAccountName" -}}
{{- default (include "tripsage.name" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/* SPIFFE principal of a service account, as Istio's AuthorizationPolicy names callers. */}}
{{- define "tripsage.principal" -}}
{{- $root := index . 0 -}}
{{- $sa := index . 1 -}}
{{- printf "%s/ns/%s/sa/%s" $root.Values.istio.trustDomain $root.Release.Namespace $sa -}}
{{- end -}}

{{/*
The tracks (Deployments and Istio subsets) this release runs, as a YAML list of
{name, tag, weight, minReplicas}. Canary: stable + optional canary splitting by canary.weight.
Blue/green: the same two-subset mechanism, the active colour at 100 and the other at 0.
*/}}
{{- define "tripsage.tracks" -}}
{{- $v := .Values -}}
{{- $stableTag := default .Chart.AppVersion $v.image.tag -}}
{{- if eq $v.rollout.strategy "canary" -}}
{{- $weight := int $v.canary.weight -}}
{{- if or (lt $weight 0) (gt $weight 100) -}}
{{- fail (printf "canary.weight must be between 0 and 100, got %d" $weight) -}}
{{- end -}}
{{- if $v.canary.enabled }}
- name: stable
  tag: {{ $stableTag | quote }}
  weight: {{ sub 100 $weight }}
  minReplicas: {{ $v.autoscaling.minReplicas }}
- name: canary
  tag: {{ required "canary.image.tag is required when canary.enabled" $v.canary.image.tag | quote }}
  weight: {{ $weight }}
  minReplicas: {{ $v.canary.minReplicas }}
{{- else }}
- name: stable
  tag: {{ $stableTag | quote }}
  weight: 100
  minReplicas: {{ $v.autoscaling.minReplicas }}
{{- end }}
{{- else if eq $v.rollout.strategy "blueGreen" -}}
{{- $active := $v.blueGreen.active -}}
{{- if not (has $active (list "blue" "green")) -}}
{{- fail (printf "blueGreen.active must be blue or green, got %v" $active) -}}
{{- end }}
{{- range $colour := list "blue" "green" }}
- name: {{ $colour }}
  tag: {{ default $stableTag (index $v.blueGreen $colour "tag") | quote }}
  weight: {{ if eq $colour $active }}100{{ else }}0{{ end }}
  minReplicas: {{ $v.autoscaling.minReplicas }}
{{- end }}
{{- else -}}
{{- fail (printf "rollout.strategy must be canary or blueGreen, got %v" $v.rollout.strategy) -}}
{{- end -}}
{{- end -}}

{{/* The track that receives requests carrying the tester header: the canary, or the idle colour. */}}
{{- define "tripsage.previewTrack" -}}
{{- if eq .Values.rollout.strategy "blueGreen" -}}
{{- if eq .Values.blueGreen.active "blue" }}green{{ else }}blue{{ end -}}
{{- else if .Values.canary.enabled -}}
canary
{{- end -}}
{{- end -}}
