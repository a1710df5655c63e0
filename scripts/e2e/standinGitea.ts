// The stand-in `gitea` chart the e2e harness serves when no CHARTS_DIR is given: real Helm templates
// that the engine's Helm renders, reproducing what ci-stack relies on from the upstream chart
// (gitea.com/gitea/helm-gitea, values of main 2025-12-09 as in ../shared/reference and
// test/reference): names (`<fullname>-http`), value keys and defaults, the admin user read from
// `gitea.admin.existingSecret` by the configure-gitea init container, the data PVC with
// `helm.sh/resource-policy: keep`, the checksum of the inline config on the Pod template, and the
// single-node postgresql / valkey sub-charts' StatefulSets and claims. It is NOT the upstream chart:
// no app.ini logic, no probes, no ingress; a run with stand-ins says so loudly.
import type { ChartFiles } from "./charts";

const CHART_YAML = (version: string) => `apiVersion: v2
name: gitea
version: ${version}
appVersion: "1.25.2"
description: ci-stack e2e STAND-IN for the gitea chart (renders only what ci-stack relies on)
type: application
annotations:
  ci-stack.dev/stand-in: "true"
`;

// Defaults as in the upstream values.yaml (the HA sub-charts are on by default there).
const VALUES = `global:
  storageClass: ""
replicaCount: 1
strategy:
  type: RollingUpdate
  rollingUpdate:
    maxSurge: "100%"
    maxUnavailable: 0
clusterDomain: cluster.local
image:
  registry: docker.gitea.com
  repository: gitea
  tag: ""
  rootless: true
service:
  http:
    type: ClusterIP
    port: 3000
    clusterIP: None
    nodePort:
  ssh:
    type: ClusterIP
    port: 22
    clusterIP: None
    nodePort:
persistence:
  enabled: true
  create: true
  claimName: gitea-shared-storage
  size: 10Gi
  accessModes:
    - ReadWriteOnce
  storageClass:
  annotations:
    helm.sh/resource-policy: keep
resources: {}
initContainers:
  resources:
    limits: {}
    requests:
      cpu: 100m
      memory: 128Mi
gitea:
  admin:
    existingSecret:
    username: gitea_admin
    password: r8sA8CPHD9!bt6d
    email: gitea@local.domain
    passwordMode: keepUpdated
  config: {}
  podAnnotations: {}
postgresql-ha:
  enabled: true
postgresql:
  enabled: false
  image:
    registry: docker.io
    repository: bitnami/postgresql
    tag: 17.6.0-debian-12-r4
  primary:
    resources: {}
    persistence:
      size: 8Gi
valkey-cluster:
  enabled: true
valkey:
  enabled: false
  architecture: replication
  image:
    registry: docker.io
    repository: bitnami/valkey
    tag: 8.1.3-debian-12-r3
  primary:
    resources: {}
    persistence:
      size: 8Gi
test:
  enabled: true
`;

const HELPERS = `{{- define "gitea.fullname" -}}
{{- if contains "gitea" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-gitea" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- define "gitea.selectorLabels" -}}
app.kubernetes.io/name: gitea
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "gitea.labels" -}}
{{ include "gitea.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
{{- define "gitea.image" -}}
{{ .Values.image.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{ if .Values.image.rootless }}-rootless{{ end }}
{{- end -}}
{{- define "gitea.storageClass" -}}
{{- .Values.persistence.storageClass | default .Values.global.storageClass -}}
{{- end -}}
`;

// The real chart would deploy a pgpool/repmgr cluster and a 3-node valkey cluster with these on;
// ci-stack always turns them off, so the stand-in refuses to render them rather than fake them.
const GUARDS = `{{- if (index .Values "postgresql-ha" "enabled") }}
{{- fail "stand-in gitea chart: postgresql-ha.enabled is true; the real chart would deploy a pgpool/repmgr cluster (ci-stack turns it off)" }}
{{- end }}
{{- if (index .Values "valkey-cluster" "enabled") }}
{{- fail "stand-in gitea chart: valkey-cluster.enabled is true; the real chart would deploy a 3-node valkey cluster (ci-stack turns it off)" }}
{{- end }}
`;

const SERVICES = `{{- range $kind := list "http" "ssh" }}
{{- $svc := index $.Values.service $kind }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "gitea.fullname" $ }}-{{ $kind }}
  labels:
    {{- include "gitea.labels" $ | nindent 4 }}
spec:
  type: {{ $svc.type }}
  {{- if and (eq $svc.type "ClusterIP") $svc.clusterIP }}
  clusterIP: {{ $svc.clusterIP }}
  {{- end }}
  ports:
    - name: {{ $kind }}
      port: {{ $svc.port }}
      targetPort: {{ if eq $kind "http" }}3000{{ else }}2222{{ end }}
      {{- if and (eq $svc.type "NodePort") $svc.nodePort }}
      nodePort: {{ $svc.nodePort }}
      {{- end }}
  selector:
    {{- include "gitea.selectorLabels" $ | nindent 4 }}
{{- end }}
`;

const PVC = `{{- if and .Values.persistence.enabled .Values.persistence.create }}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ .Values.persistence.claimName }}
  annotations:
    {{- toYaml .Values.persistence.annotations | nindent 4 }}
  labels:
    {{- include "gitea.labels" . | nindent 4 }}
spec:
  accessModes:
    {{- toYaml .Values.persistence.accessModes | nindent 4 }}
  {{- with (include "gitea.storageClass" .) }}
  storageClassName: {{ . }}
  {{- end }}
  resources:
    requests:
      storage: {{ .Values.persistence.size }}
{{- end }}
`;

// templates/gitea/config.yaml upstream: the [section] KEY=VALUE sources the init container assembles into app.ini.
const CONFIG = `apiVersion: v1
kind: Secret
metadata:
  name: {{ include "gitea.fullname" . }}-inline-config
  labels:
    {{- include "gitea.labels" . | nindent 4 }}
type: Opaque
stringData:
  _generals_: ""
  {{- range $section, $values := .Values.gitea.config }}
  {{ $section }}: |-
    {{- if kindIs "map" $values }}
    {{- range $k, $v := $values }}
    {{ $k }}={{ $v }}
    {{- end }}
    {{- else }}
    {{ $values }}
    {{- end }}
  {{- end }}
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "gitea.fullname" . }}
  labels:
    {{- include "gitea.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  strategy:
    type: {{ .Values.strategy.type }}
    {{- if eq .Values.strategy.type "RollingUpdate" }}
    rollingUpdate:
      maxUnavailable: {{ .Values.strategy.rollingUpdate.maxUnavailable }}
      maxSurge: {{ .Values.strategy.rollingUpdate.maxSurge }}
    {{- end }}
  selector:
    matchLabels:
      {{- include "gitea.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/config.yaml") . | sha256sum }}
        {{- with .Values.gitea.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      labels:
        {{- include "gitea.labels" . | nindent 8 }}
    spec:
      initContainers:
        - name: init-directories
          image: {{ include "gitea.image" . }}
          command: ["/usr/sbin/init_directory_structure.sh"]
          resources:
            {{- toYaml .Values.initContainers.resources | nindent 12 }}
        - name: init-app-ini
          image: {{ include "gitea.image" . }}
          command: ["/usr/sbin/config_environment.sh"]
          resources:
            {{- toYaml .Values.initContainers.resources | nindent 12 }}
        - name: configure-gitea
          image: {{ include "gitea.image" . }}
          command: ["/usr/sbin/configure_gitea.sh"]
          env:
            {{- if .Values.gitea.admin.existingSecret }}
            - name: GITEA_ADMIN_USERNAME
              valueFrom:
                secretKeyRef:
                  name: {{ .Values.gitea.admin.existingSecret }}
                  key: username
            - name: GITEA_ADMIN_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ .Values.gitea.admin.existingSecret }}
                  key: password
            {{- else }}
            - name: GITEA_ADMIN_USERNAME
              value: {{ .Values.gitea.admin.username | quote }}
            - name: GITEA_ADMIN_PASSWORD
              value: {{ .Values.gitea.admin.password | quote }}
            {{- end }}
            - name: GITEA_ADMIN_PASSWORD_MODE
              value: {{ .Values.gitea.admin.passwordMode }}
          resources:
            {{- toYaml .Values.initContainers.resources | nindent 12 }}
      containers:
        - name: gitea
          image: {{ include "gitea.image" . }}
          ports:
            - name: http
              containerPort: 3000
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          volumeMounts:
            - name: data
              mountPath: /data
      volumes:
        - name: inline-config-sources
          secret:
            secretName: {{ include "gitea.fullname" . }}-inline-config
        - name: data
          {{- if .Values.persistence.enabled }}
          persistentVolumeClaim:
            claimName: {{ .Values.persistence.claimName }}
          {{- else }}
          emptyDir: {}
          {{- end }}
`;

// Bitnami's postgresql and valkey sub-charts, reduced to their primary StatefulSet, Service and claim
// (names as bitnami's common.names.fullname gives them under a release called "gitea").
const SUBCHART = (key: "postgresql" | "valkey", suffix: string, port: number, claim: string) => `{{- $sub := .Values.${key} }}
{{- if $sub.enabled }}
{{- $name := printf "%s-${key}${suffix}" .Release.Name }}
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    app.kubernetes.io/name: ${key}
    app.kubernetes.io/instance: {{ .Release.Name }}
spec:
  ports:
    - name: tcp
      port: ${port}
  selector:
    app.kubernetes.io/name: ${key}
    app.kubernetes.io/instance: {{ .Release.Name }}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ $name }}
  labels:
    app.kubernetes.io/name: ${key}
    app.kubernetes.io/instance: {{ .Release.Name }}
spec:
  replicas: 1
  serviceName: {{ $name }}
  selector:
    matchLabels:
      app.kubernetes.io/name: ${key}
      app.kubernetes.io/instance: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${key}
        app.kubernetes.io/instance: {{ .Release.Name }}
    spec:
      containers:
        - name: ${key}
          image: {{ $sub.image.registry }}/{{ $sub.image.repository }}{{ if $sub.image.digest }}@{{ $sub.image.digest }}{{ else }}:{{ $sub.image.tag }}{{ end }}
          ports:
            - containerPort: ${port}
          resources:
            {{- toYaml $sub.primary.resources | nindent 12 }}
          volumeMounts:
            - name: ${claim}
              mountPath: /bitnami/${key}
  volumeClaimTemplates:
    - metadata:
        name: ${claim}
      spec:
        accessModes: ["ReadWriteOnce"]
        {{- with $.Values.global.storageClass }}
        storageClassName: {{ . }}
        {{- end }}
        resources:
          requests:
            storage: {{ $sub.primary.persistence.size }}
{{- end }}
`;

/** The stand-in gitea chart's files at `version`, paths relative to the chart directory. */
export function giteaStandIn(version: string): ChartFiles {
    return {
        name: "gitea",
        version,
        files: {
            "Chart.yaml": CHART_YAML(version),
            "values.yaml": VALUES,
            "templates/_helpers.tpl": HELPERS,
            "templates/guards.yaml": GUARDS,
            "templates/services.yaml": SERVICES,
            "templates/pvc.yaml": PVC,
            "templates/config.yaml": CONFIG,
            "templates/deployment.yaml": DEPLOYMENT,
            "templates/postgresql.yaml": SUBCHART("postgresql", "", 5432, "data"),
            "templates/valkey.yaml": SUBCHART("valkey", "-primary", 6379, "valkey-data"),
        },
    };
}
