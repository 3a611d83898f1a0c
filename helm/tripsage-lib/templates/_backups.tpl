{{/*
Scheduled logical backups for a self-hosted Postgres (Supabase keeps its own): `tripsage-backup take`, the code the
disaster-recovery drill restores from, writing a timestamped pg_dump and its SHA-256 to a volume, then pruning by
count and age.

Two images, neither changed for this: the service image (backups.image, default this chart's) carries the Python tool
and reads the database URL from the service's Secret; it has no pg_dump. pg_dump must be at least the server's major
version, and Debian's client is older than the servers we run, so an init container from the Postgres image
(backups.pgClient) copies its self-contained client tree (binaries and the libpq they find by relative RPATH) into an
emptyDir, and the tool runs the binaries from there (PG_BIN_DIR).
*/}}
{{- define "tripsage.backups" -}}
{{- $v := .Values -}}
{{- $b := $v.backups -}}
{{- $name := printf "%s-backup" (include "tripsage.name" .) -}}
{{- $tag := default (default .Chart.AppVersion $v.image.tag) $b.image.tag -}}
{{- $claim := default $name $b.persistence.existingClaim -}}
{{- if not $b.persistence.existingClaim }}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ $name }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
  annotations:
    # Uninstalling the release must not delete the backups with it.
    helm.sh/resource-policy: keep
spec:
  accessModes: ["ReadWriteOnce"]
  {{- with $b.persistence.storageClassName }}
  storageClassName: {{ . | quote }}
  {{- end }}
  resources:
    requests:
      storage: {{ $b.persistence.size }}
---
{{- end }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
automountServiceAccountToken: false
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      app: {{ $name }}
  policyTypes: ["Ingress", "Egress"]
  egress:
    {{- include "tripsage.egress.postgresOnly" . | nindent 4 }}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ $name }}
  labels:
    {{- include "tripsage.labels" . | nindent 4 }}
spec:
  schedule: {{ $b.schedule | quote }}
  timeZone: Etc/UTC
  # Two dumps at once would only compete for the database and the volume.
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 3600
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 3
  jobTemplate:
    spec:
      # One retry: a dump interrupted halfway leaves no file behind, so running it again is safe.
      backoffLimit: 1
      activeDeadlineSeconds: {{ $b.timeoutSeconds }}
      template:
        metadata:
          labels:
            app: {{ $name }}
            app.kubernetes.io/part-of: tripsage
          annotations:
            # A sidecar would keep the Job's pod running after the backup exits.
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
            {{- toYaml . | nindent 12 }}
          {{- end }}
          initContainers:
            - name: pg-client
              image: {{ required "backups.pgClient.image is required" $b.pgClient.image }}
              imagePullPolicy: {{ $v.image.pullPolicy }}
              command: ["cp", "-R", {{ $b.pgClient.sourceDir | quote }}, "/pg-client/"]
              resources:
                {{- toYaml $b.resources | nindent 16 }}
              securityContext:
                {{- include "tripsage.backups.containerSecurity" . | nindent 16 }}
              volumeMounts:
                - name: pg-client
                  mountPath: /pg-client
          containers:
            - name: backup
              image: {{ default $v.image.repository $b.image.repository }}:{{ $tag }}
              imagePullPolicy: {{ $v.image.pullPolicy }}
              command: ["tripsage-backup", "take"]
              env:
                - name: BACKUP_DIR
                  value: /backups
                - name: BACKUP_KEEP_LAST
                  value: {{ $b.keepLast | quote }}
                - name: BACKUP_MAX_AGE_DAYS
                  value: {{ $b.maxAgeDays | quote }}
                - name: PG_BIN_DIR
                  value: {{ printf "/pg-client/%s/%s" (base $b.pgClient.sourceDir) $b.pgClient.binDir | quote }}
                - name: DATABASE_URL
                  valueFrom:
                    secretKeyRef:
                      name: {{ required "secrets.existingSecret is required for backups" $v.secrets.existingSecret }}
                      key: {{ $b.databaseUrlKey }}
              resources:
                {{- toYaml $b.resources | nindent 16 }}
              securityContext:
                {{- include "tripsage.backups.containerSecurity" . | nindent 16 }}
              volumeMounts:
                - name: backups
                  mountPath: /backups
                - name: pg-client
                  mountPath: /pg-client
                  readOnly: true
                - name: tmp
                  mountPath: /tmp
          volumes:
            - name: backups
              persistentVolumeClaim:
                claimName: {{ $claim }}
            - name: pg-client
              emptyDir:
                sizeLimit: 256Mi
            - name: tmp
              emptyDir:
                sizeLimit: {{ $v.tmpSizeLimit }}
{{- end -}}

{{- define "tripsage.backups.containerSecurity" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.uid }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
