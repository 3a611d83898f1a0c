{{/* One Deployment, HPA and PodDisruptionBudget per track; pods carry `version: <track>` for the Istio subsets. */}}
{{- define "tripsage.workloads" -}}
{{- $root := . -}}
{{- range $track := include "tripsage.tracks" . | fromYamlArray }}
---
{{ include "tripsage.deployment" (list $root $track) }}
{{- if $root.Values.autoscaling.enabled }}
---
{{ include "tripsage.hpa" (list $root $track) }}
{{- end }}
{{- if $root.Values.podDisruptionBudget.enabled }}
---
{{ include "tripsage.pdb" (list $root $track) }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "tripsage.deployment" -}}
{{- $root := index . 0 -}}
{{- $track := index . 1 -}}
{{- $v := $root.Values -}}
{{- $name := include "tripsage.name" $root -}}
{{- $prefix := include "tripsage.prefix" $root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}-{{ $track.name }}
  labels:
    {{- include "tripsage.labels" $root | nindent 4 }}
    version: {{ $track.name }}
    tags.datadoghq.com/version: {{ include "tripsage.versionLabel" $track.tag | quote }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $track.minReplicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "tripsage.selectorLabels" $root | nindent 6 }}
      version: {{ $track.name }}
  template:
    metadata:
      labels:
        {{- include "tripsage.labels" $root | nindent 8 }}
        version: {{ $track.name }}
        tags.datadoghq.com/version: {{ include "tripsage.versionLabel" $track.tag | quote }}
      annotations:
        # A changed ConfigMap rolls the pods; env vars are read only at start.
        checksum/config: {{ include "tripsage.configmap" $root | sha256sum }}
        # The app's first outbound call must not race the sidecar's start.
        proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "tripsage.serviceAccountName" $root }}
      automountServiceAccountToken: false
      # Without this Kubernetes sets <SERVICE>_PORT=tcp://… for every Service of the namespace, a name the
      # settings of the service of that name read (the sandbox crashed on SANDBOX_PORT in the real cluster).
      enableServiceLinks: false
      # preStop pause + the app's graceful timeout + a margin, so Kubernetes never kills a draining pod.
      terminationGracePeriodSeconds: {{ add $v.lifecycle.preStopSleepSeconds $v.lifecycle.gracefulTimeoutSeconds 10 }}
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
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "tripsage.selectorLabels" $root | nindent 14 }}
              version: {{ $track.name }}
      containers:
        - name: {{ $name }}
          image: {{ include "tripsage.image" (list $root $track.tag) }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          {{- with $v.command }}
          # Every item a string: the API server refuses a number in a command list (`--workers 2` from --set).
          command:
            {{- range . }}
            - {{ toString . | quote }}
            {{- end }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ $v.service.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $name }}-config
          env:
            - name: HOST_IP
              valueFrom:
                fieldRef:
                  fieldPath: status.hostIP
            - name: {{ $prefix }}_VERSION
              value: {{ $track.tag | quote }}
            - name: DD_ENV
              value: {{ $v.environment | quote }}
            - name: DD_SERVICE
              value: {{ $name }}
            # The same value as the pod's version label, so Datadog joins the two.
            - name: DD_VERSION
              value: {{ include "tripsage.versionLabel" $track.tag | quote }}
            {{- if $v.datadog.enabled }}
            # The Datadog Agent runs as a DaemonSet listening on each node's address.
            - name: {{ $prefix }}_OTLP_ENDPOINT
              value: http://$(HOST_IP):{{ $v.datadog.otlpHttpPort }}
            {{- if $v.datadog.dogstatsd }}
            - name: {{ $prefix }}_DOGSTATSD_HOST
              value: $(HOST_IP)
            - name: {{ $prefix }}_DOGSTATSD_PORT
              value: {{ $v.datadog.dogstatsdPort | quote }}
            {{- end }}
            {{- end }}
            {{- range $envName, $key := $v.secretEnv }}
            - name: {{ $envName }}
              valueFrom:
                secretKeyRef:
                  name: {{ required "secrets.existingSecret names the Secret holding secretEnv keys" $v.secrets.existingSecret }}
                  key: {{ $key }}
            {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          startupProbe:
            httpGet:
              path: /health
              port: http
            periodSeconds: 2
            failureThreshold: {{ $v.probes.startupFailureThreshold }}
          livenessProbe:
            httpGet:
              path: /health
              port: http
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /ready
              port: http
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 2
          lifecycle:
            # Endpoints and the mesh stop sending new requests before SIGTERM starts the app's own drain.
            preStop:
              sleep:
                seconds: {{ $v.lifecycle.preStopSleepSeconds }}
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

{{- define "tripsage.hpa" -}}
{{- $root := index . 0 -}}
{{- $track := index . 1 -}}
{{- $v := $root.Values -}}
{{- $name := include "tripsage.name" $root -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}-{{ $track.name }}
  labels:
    {{- include "tripsage.labels" $root | nindent 4 }}
    version: {{ $track.name }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}-{{ $track.name }}
  minReplicas: {{ $track.minReplicas }}
  maxReplicas: {{ $v.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $v.autoscaling.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ $v.autoscaling.targetMemoryUtilizationPercentage }}
{{- end -}}

{{- define "tripsage.pdb" -}}
{{- $root := index . 0 -}}
{{- $track := index . 1 -}}
{{- $name := include "tripsage.name" $root -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}-{{ $track.name }}
  labels:
    {{- include "tripsage.labels" $root | nindent 4 }}
    version: {{ $track.name }}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      {{- include "tripsage.selectorLabels" $root | nindent 6 }}
      version: {{ $track.name }}
{{- end -}}
