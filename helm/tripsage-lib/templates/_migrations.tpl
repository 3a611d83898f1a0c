{{/*
Migrations run before the new pods exist (pre-install, pre-upgrade). The Job has no retries: a failed
migration fails the release, and `helm upgrade --atomic` then rolls the release back. Its ServiceAccount
and NetworkPolicy are hooks too, with a lower weight, because on first install the chart's own objects
are created only after the hooks.
*/}}
{{- define "tripsage.migrations" -}}
{{- $v := .Values -}}
{{- $m := $v.migrations -}}
{{- $name := printf "%s-migrate" (include "tripsage.name" .) -}}
{{- $tag := default (default .Chart.AppVersion $v.image.tag) $m.image.tag -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
    helm.sh/hook-delete-policy: before-hook-creation
automountServiceAccountToken: false
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  podSelector:
    matchLabels:
      app: {{ $name }}
  policyTypes: ["Ingress", "Egress"]
  egress:
    {{- include "tripsage.egress.postgresOnly" . | nindent 4 }}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $name }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "0"
    # A failed Job is kept for its logs; the next release replaces it.
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 0
  activeDeadlineSeconds: {{ $m.timeoutSeconds }}
  ttlSecondsAfterFinished: 86400
  template:
    metadata:
      labels:
        app: {{ $name }}
        app.kubernetes.io/part-of: tripsage
      annotations:
        # A sidecar would keep the Job's pod running after the migration exits.
        sidecar.istio.io/inject: "false"
    spec:
      restartPolicy: Never
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: {{ $v.securityContext.uid }}
        runAsGroup: {{ $v.securityContext.uid }}
        fsGroup: {{ $v.securityContext.uid }}
        seccompProfile:
          type: RuntimeDefault
      {{- with $v.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: migrate
          image: {{ default $v.image.repository $m.image.repository }}:{{ $tag }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          command: ["tripsage-migrate", "up"]
          env:
            - name: MIGRATIONS_DIR
              value: {{ $m.directory | quote }}
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: {{ required "secrets.existingSecret is required for migrations" $v.secrets.existingSecret }}
                  key: {{ $m.databaseUrlKey }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            runAsNonRoot: true
            runAsUser: {{ $v.securityContext.uid }}
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            privileged: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $v.tmpSizeLimit }}
{{- end -}}


{{/* Egress of a pod that talks to Postgres and nothing else (the migration Job, the backup CronJob): DNS and Postgres. */}}
{{- define "tripsage.egress.postgresOnly" -}}
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
- to:
    {{- toYaml .Values.networkPolicy.postgres.to | nindent 4 }}
  ports:
    {{- range .Values.networkPolicy.postgres.ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end -}}
