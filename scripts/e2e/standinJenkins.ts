// The stand-in `jenkins` chart the e2e harness serves when no CHARTS_DIR is given: real Helm templates
// reproducing what ci-stack relies on from jenkinsci/helm-charts charts/jenkins 5.9.x (value keys and
// defaults as in the 5.9.53 values.yaml of ../shared/reference and test/reference; template behaviour
// as components/jenkins.ts cites it): Service and ServiceAccount named after the release, the
// controller StatefulSet with its init/sidecar containers and resources, JENKINS_HOME's claim, the
// admin Secret projected as chart-admin-username/-password only when `controller.admin.createSecret`
// is true, `additionalExistingSecrets` as files `<name>-<key>`, one labelled ConfigMap per JCasC
// configScript passed through `tpl`, the "[PLUGIN CONFLICT]" render failure, and the chart's own
// RBAC when `rbac.create`. It is NOT the upstream chart; a run with stand-ins says so loudly.
import type { ChartFiles } from "./charts";

const CHART_YAML = (version: string) => `apiVersion: v2
name: jenkins
version: ${version}
appVersion: "2.568.2"
description: ci-stack e2e STAND-IN for the jenkins chart (renders only what ci-stack relies on)
type: application
annotations:
  ci-stack.dev/stand-in: "true"
`;

const VALUES = `controller:
  image:
    registry: docker.io
    repository: jenkins/jenkins
    tag:
    tagLabel: jdk21
  admin:
    username: admin
    password:
    userKey: jenkins-admin-user
    passwordKey: jenkins-admin-password
    createSecret: true
    existingSecret: ""
  additionalExistingSecrets: []
  resources:
    requests:
      cpu: 50m
      memory: 256Mi
    limits:
      cpu: 2000m
      memory: 4096Mi
  serviceType: ClusterIP
  servicePort: 8080
  nodePort:
  agentListenerEnabled: true
  agentListenerPort: 50000
  installPlugins:
    - kubernetes:4540.v612369217f87
    - workflow-aggregator:608.v67378e9d3db_1
    - git:5.10.1
    - configuration-as-code:2115.vf6de120eef70
  installLatestPlugins: true
  additionalPlugins: []
  tolerations: []
  podAnnotations: {}
  sidecars:
    configAutoReload:
      enabled: true
      image:
        registry: docker.io
        repository: kiwigrid/k8s-sidecar
        tag: 2.10.1
      resources: {}
  JCasC:
    defaultConfig: true
    configScripts: {}
agent:
  namespace:
persistence:
  enabled: true
  existingClaim:
  storageClass:
  accessMode: ReadWriteOnce
  size: 8Gi
rbac:
  create: true
serviceAccount:
  create: true
  name:
`;

const HELPERS = `{{- define "jenkins.fullname" -}}
{{- if contains "jenkins" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-jenkins" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- define "jenkins.selectorLabels" -}}
app.kubernetes.io/component: jenkins-controller
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "jenkins.labels" -}}
app.kubernetes.io/name: jenkins
{{ include "jenkins.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
{{- define "jenkins.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{ default (include "jenkins.fullname" .) .Values.serviceAccount.name }}
{{- else -}}
{{ default "default" .Values.serviceAccount.name }}
{{- end -}}
{{- end -}}
{{- define "jenkins.agentNamespace" -}}
{{ default .Release.Namespace .Values.agent.namespace }}
{{- end -}}
`;

const SERVICES = `apiVersion: v1
kind: Service
metadata:
  name: {{ include "jenkins.fullname" . }}
  labels:
    {{- include "jenkins.labels" . | nindent 4 }}
spec:
  type: {{ .Values.controller.serviceType }}
  ports:
    - name: http
      port: {{ .Values.controller.servicePort }}
      targetPort: 8080
      {{- if and (eq .Values.controller.serviceType "NodePort") .Values.controller.nodePort }}
      nodePort: {{ .Values.controller.nodePort }}
      {{- end }}
  selector:
    {{- include "jenkins.selectorLabels" . | nindent 4 }}
{{- if .Values.controller.agentListenerEnabled }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "jenkins.fullname" . }}-agent
  labels:
    {{- include "jenkins.labels" . | nindent 4 }}
spec:
  ports:
    - name: agent-listener
      port: {{ .Values.controller.agentListenerPort }}
  selector:
    {{- include "jenkins.selectorLabels" . | nindent 4 }}
{{- end }}
{{- if .Values.serviceAccount.create }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "jenkins.serviceAccountName" . }}
  labels:
    {{- include "jenkins.labels" . | nindent 4 }}
{{- end }}
`;

const STORAGE = `{{- if and .Values.persistence.enabled (not .Values.persistence.existingClaim) }}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "jenkins.fullname" . }}
  labels:
    {{- include "jenkins.labels" . | nindent 4 }}
spec:
  accessModes:
    - {{ .Values.persistence.accessMode | quote }}
  {{- with .Values.persistence.storageClass }}
  storageClassName: {{ . }}
  {{- end }}
  resources:
    requests:
      storage: {{ .Values.persistence.size | quote }}
{{- end }}
{{- if and .Values.controller.admin.createSecret (not .Values.controller.admin.existingSecret) }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "jenkins.fullname" . }}
type: Opaque
data:
  {{ .Values.controller.admin.userKey }}: {{ .Values.controller.admin.username | b64enc | quote }}
  {{ .Values.controller.admin.passwordKey }}: {{ .Values.controller.admin.password | default (randAlphaNum 22) | b64enc | quote }}
{{- end }}
`;

// templates/config.yaml upstream: plugins.txt, and the render fails on an id in both plugin lists.
const CONFIG = `{{- $conflicts := list }}
{{- range $add := .Values.controller.additionalPlugins }}
{{- range $base := $.Values.controller.installPlugins }}
{{- if eq (splitList ":" $add | first) (splitList ":" $base | first) }}
{{- $conflicts = append $conflicts (splitList ":" $add | first) }}
{{- end }}
{{- end }}
{{- end }}
{{- if $conflicts }}
{{- fail (printf "[PLUGIN CONFLICT] controller.additionalPlugins contains %s, already in controller.installPlugins" (join ", " $conflicts)) }}
{{- end }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "jenkins.fullname" . }}
  labels:
    {{- include "jenkins.labels" . | nindent 4 }}
data:
  plugins.txt: |-
    {{- range (concat (.Values.controller.installPlugins | default list) (.Values.controller.additionalPlugins | default list)) }}
    {{ . }}
    {{- end }}
  install-latest-plugins: {{ .Values.controller.installLatestPlugins | quote }}
`;

// templates/jcasc-config.yaml upstream: each configScripts value through tpl, in a ConfigMap labelled
// for the reload sidecar; the securityRealm reads the projected chart-admin-* files.
const JCASC = `{{- $root := . }}
{{- $label := printf "%s-jenkins-config" (include "jenkins.fullname" .) }}
{{- range $key, $val := .Values.controller.JCasC.configScripts }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "jenkins.fullname" $root }}-jenkins-config-{{ $key }}
  labels:
    {{ $label }}: "true"
    {{- include "jenkins.labels" $root | nindent 4 }}
data:
  {{ $key }}.yaml: |-
    {{- tpl $val $root | nindent 4 }}
{{- end }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "jenkins.fullname" . }}-jenkins-jcasc-config
  labels:
    {{ $label }}: "true"
    {{- include "jenkins.labels" . | nindent 4 }}
data:
  jcasc-default-config.yaml: |-
    jenkins:
      securityRealm:
        local:
          allowsSignup: false
          users:
            - id: "\${chart-admin-username}"
              password: "\${chart-admin-password}"
      authorizationStrategy:
        loggedInUsersCanDoAnything:
          allowAnonymousRead: false
`;

const STATEFULSET = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ include "jenkins.fullname" . }}
  labels:
    {{- include "jenkins.labels" . | nindent 4 }}
spec:
  replicas: 1
  serviceName: {{ include "jenkins.fullname" . }}
  selector:
    matchLabels:
      {{- include "jenkins.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "jenkins.labels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/config.yaml") . | sha256sum }}
        {{- with .Values.controller.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "jenkins.serviceAccountName" . }}
      {{- with .Values.controller.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      initContainers:
        {{- if .Values.controller.sidecars.configAutoReload.enabled }}
        - name: config-reload-init
          image: {{ .Values.controller.sidecars.configAutoReload.image.registry }}/{{ .Values.controller.sidecars.configAutoReload.image.repository }}:{{ .Values.controller.sidecars.configAutoReload.image.tag }}
          resources:
            {{- toYaml .Values.controller.sidecars.configAutoReload.resources | nindent 12 }}
        {{- end }}
        - name: init
          image: {{ .Values.controller.image.registry }}/{{ .Values.controller.image.repository }}:{{ .Values.controller.image.tag | default .Chart.AppVersion }}-{{ .Values.controller.image.tagLabel }}
          command: ["sh", "/var/jenkins_config/apply_config.sh"]
          resources:
            {{- toYaml .Values.controller.resources | nindent 12 }}
      containers:
        - name: jenkins
          image: {{ .Values.controller.image.registry }}/{{ .Values.controller.image.repository }}:{{ .Values.controller.image.tag | default .Chart.AppVersion }}-{{ .Values.controller.image.tagLabel }}
          env:
            - name: SECRETS
              value: /run/secrets/additional
          ports:
            - name: http
              containerPort: 8080
          resources:
            {{- toYaml .Values.controller.resources | nindent 12 }}
          volumeMounts:
            - name: jenkins-home
              mountPath: /var/jenkins_home
            - name: jenkins-secrets
              mountPath: /run/secrets/additional
              readOnly: true
        {{- if .Values.controller.sidecars.configAutoReload.enabled }}
        - name: config-reload
          image: {{ .Values.controller.sidecars.configAutoReload.image.registry }}/{{ .Values.controller.sidecars.configAutoReload.image.repository }}:{{ .Values.controller.sidecars.configAutoReload.image.tag }}
          env:
            - name: LABEL
              value: {{ include "jenkins.fullname" . }}-jenkins-config
          resources:
            {{- toYaml .Values.controller.sidecars.configAutoReload.resources | nindent 12 }}
        {{- end }}
      volumes:
        - name: jenkins-config
          configMap:
            name: {{ include "jenkins.fullname" . }}
        - name: jenkins-secrets
          projected:
            sources:
              {{- if .Values.controller.admin.createSecret }}
              - secret:
                  name: {{ .Values.controller.admin.existingSecret | default (include "jenkins.fullname" .) }}
                  items:
                    - key: {{ .Values.controller.admin.userKey }}
                      path: chart-admin-username
                    - key: {{ .Values.controller.admin.passwordKey }}
                      path: chart-admin-password
              {{- end }}
              {{- range .Values.controller.additionalExistingSecrets }}
              - secret:
                  name: {{ .name }}
                  items:
                    - key: {{ .keyName }}
                      path: {{ .name }}-{{ .keyName }}
              {{- end }}
        - name: jenkins-home
          {{- if .Values.persistence.enabled }}
          persistentVolumeClaim:
            claimName: {{ .Values.persistence.existingClaim | default (include "jenkins.fullname" .) }}
          {{- else }}
          emptyDir: {}
          {{- end }}
`;

// templates/rbac.yaml upstream: agents' Role in agent.namespace, and the reload sidecar's ConfigMap read.
const RBAC = `{{- if .Values.rbac.create }}
{{- $sa := include "jenkins.serviceAccountName" . }}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ include "jenkins.fullname" . }}-schedule-agents
  namespace: {{ include "jenkins.agentNamespace" . }}
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/exec", "pods/log", "persistentvolumeclaims", "events"]
    verbs: ["get", "list", "watch"]
  - apiGroups: [""]
    resources: ["pods", "pods/exec", "persistentvolumeclaims"]
    verbs: ["create", "delete", "deletecollection", "patch", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ include "jenkins.fullname" . }}-schedule-agents
  namespace: {{ include "jenkins.agentNamespace" . }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ include "jenkins.fullname" . }}-schedule-agents
subjects:
  - kind: ServiceAccount
    name: {{ $sa }}
    namespace: {{ .Release.Namespace }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ include "jenkins.fullname" . }}-casc-reload
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get", "watch", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ include "jenkins.fullname" . }}-watch-configmaps
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ include "jenkins.fullname" . }}-casc-reload
subjects:
  - kind: ServiceAccount
    name: {{ $sa }}
    namespace: {{ .Release.Namespace }}
{{- end }}
`;

/** The stand-in jenkins chart's files at `version`, paths relative to the chart directory. */
export function jenkinsStandIn(version: string): ChartFiles {
    return {
        name: "jenkins",
        version,
        files: {
            "Chart.yaml": CHART_YAML(version),
            "values.yaml": VALUES,
            "templates/_helpers.tpl": HELPERS,
            "templates/services.yaml": SERVICES,
            "templates/storage.yaml": STORAGE,
            "templates/config.yaml": CONFIG,
            "templates/jcasc-config.yaml": JCASC,
            "templates/statefulset.yaml": STATEFULSET,
            "templates/rbac.yaml": RBAC,
        },
    };
}
