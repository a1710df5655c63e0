// The notes-app Jenkinsfile and the agent Pod it asks the Kubernetes plugin for.
//
// Text that ends up inside Groovy goes through one of two escapes and nothing else:
//  - `groovyString()` for single-quoted literals (no `$` interpolation in Groovy '...'),
//  - `groovyTripleQuoted()` for the Pod YAML inside yaml '''...'''.
// Shell steps are Groovy single-quoted strings too, so `$VAR` in them is expanded by the shell,
// from the `environment {}` block, never by Groovy — the CPS sandbox never sees a credential.
import { stringify } from "yaml";
import { gitBranchProblem, imageProblem, kanikoImageProblem, registryHostProblem, repositoryComponentProblem, Resources } from "../../../config";

/** Everything the generated pipeline needs to know about the stack. */
export interface PipelineSettings {
    readonly registry: {
        /** host[:port], no scheme. */
        readonly server: string;
        readonly project: string;
        /** Plain-HTTP / self-signed registry: Kaniko gets --insecure/--skip-tls-verify only then. */
        readonly insecure: boolean;
        /** kubernetes.io/dockerconfigjson Secret (harbor-auth) in the agents namespace. */
        readonly secretName: string;
    };
    /** Image repository name inside the project, e.g. notes-app. */
    readonly imageName: string;
    readonly images: { readonly kaniko: string; readonly agent: string; readonly build: string };
    /** Requests and limits of every container of the agent Pod (config agents.*). */
    readonly agentResources: Resources;
    readonly agentNamespace: string;
    /** ReadWriteMany claim mounted as the agent workspace. */
    readonly workspaceClaimName: string;
    /** ReadWriteMany claim holding the Maven local repository. */
    readonly cacheClaimName: string;
    /** In-cluster clone URL of notes-deploy (the pipeline bumps the image tag there). */
    readonly deployRepoCloneUrl: string;
    /** Jenkins usernamePassword credential for Gitea ("gitea-credentials", defined by JCasC). */
    readonly gitCredentialsId: string;
    /** Branch of notes-app that is built, and of notes-deploy that is bumped (unless deployBranch). */
    readonly branch: string;
    /** Branch of notes-deploy the tag bump is pushed to. Default: `branch`. */
    readonly deployBranch?: string;
    /** Base image of the app's Dockerfile. Default: RUNTIME_IMAGE. */
    readonly runtimeImage?: string;
}

/** JRE base of the notes-app image: pinned, and matching the Maven image's JDK 21. */
export const RUNTIME_IMAGE = "eclipse-temurin:21.0.8_9-jre-alpine";
/** UID of jenkins/inbound-agent's `jenkins` user (docker-agent's Dockerfile, ARG uid=1000). */
export const AGENT_UID = 1000;
/** Where the Maven cache claim is mounted in the build container. */
export const MAVEN_CACHE_MOUNT = "/var/cache/maven";
/** Where the registry credentials are mounted in the Kaniko container; Kaniko reads config.json there. */
export const KANIKO_DOCKER_CONFIG = "/kaniko/.docker";
// The Kubernetes plugin names the workspace volume it adds to every agent Pod "workspace-volume"
// (kubernetes-plugin PodTemplateBuilder.WORKSPACE_VOLUME_NAME).
const PLUGIN_WORKSPACE_VOLUME = "workspace-volume";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Every problem of the settings at once; they are embedded in Groovy, YAML and shell. */
export function pipelineSettingsProblems(s: PipelineSettings): string[] {
    const p: string[] = [];
    // Registry host, project and image name follow the OCI distribution reference grammar, the same
    // functions config checks them with (a bracketed IPv6 host with a port is a valid registry).
    const host = registryHostProblem(s.registry.server);
    if (host) p.push(`registry.server "${s.registry.server}" ${host}`);
    for (const [k, v] of [["registry.project", s.registry.project], ["imageName", s.imageName]] as const) {
        const c = repositoryComponentProblem(v);
        if (c) p.push(`${k} "${v}" ${c}`);
    }
    if (!DNS_SUBDOMAIN.test(s.registry.secretName)) p.push(`registry.secretName "${s.registry.secretName}" is not a DNS-1123 subdomain`);
    if (!DNS_LABEL.test(s.agentNamespace)) p.push(`agentNamespace "${s.agentNamespace}" is not a DNS-1123 label`);
    for (const k of ["workspaceClaimName", "cacheClaimName"] as const) {
        if (!DNS_SUBDOMAIN.test(s[k])) p.push(`${k} "${s[k]}" is not a DNS-1123 subdomain`);
    }
    for (const k of ["kaniko", "agent", "build"] as const) {
        // The kaniko container is kept alive with /busybox/cat, which only the debug variants ship.
        const problem = k === "kaniko" ? kanikoImageProblem(s.images[k]) : imageProblem(s.images[k]);
        if (problem) p.push(`images.${k} ${problem}`);
    }
    const runtime = s.runtimeImage ?? RUNTIME_IMAGE;
    const rp = imageProblem(runtime);
    if (rp) p.push(`runtimeImage ${rp}`);
    for (const [k, v] of [["branch", s.branch], ["deployBranch", s.deployBranch ?? s.branch]] as const) {
        const b = gitBranchProblem(v);
        if (b) p.push(`${k} "${v}" is not a git branch name: ${b}`);
    }
    if (!/^https?:\/\/[^\s'"\\@]+$/.test(s.deployRepoCloneUrl)) {
        p.push(`deployRepoCloneUrl "${s.deployRepoCloneUrl}" must be an http(s) URL without credentials`);
    }
    if (s.gitCredentialsId.trim() === "" || /[\s'"\\]/.test(s.gitCredentialsId)) p.push(`gitCredentialsId "${s.gitCredentialsId}" must be a plain credential id`);
    return p;
}

function check(s: PipelineSettings): void {
    const p = pipelineSettingsProblems(s);
    if (p.length) throw new Error(`invalid pipeline settings:\n  - ${p.join("\n  - ")}`);
}

/** A Groovy single-quoted string literal: no interpolation; `\` and `'` escaped. */
export function groovyString(s: string): string {
    return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}'`;
}

/** Body of a Groovy '''...''' string: it still processes backslash escapes, and ''' would end it. */
function groovyTripleQuoted(s: string): string {
    return s.replace(/\\/g, "\\\\").replace(/'''/g, "\\'\\'\\'");
}

/** `<registry>/<project>/<name>` */
export function imageRepository(s: Pick<PipelineSettings, "registry">, name: string): string {
    return `${s.registry.server}/${s.registry.project}/${name}`;
}

const resources = (r: Resources) => ({
    requests: { cpu: r.requests.cpu, memory: r.requests.memory },
    limits: { cpu: r.limits.cpu, memory: r.limits.memory },
});

/**
 * Pure: the agent Pod (the `yaml` of the kubernetes agent). The plugin adds the workspace volume
 * (`workspaceVolume`), mounts it at the agent's working directory in every container, and injects
 * the jnlp container's environment; everything else is here.
 */
export function agentPod(s: PipelineSettings) {
    const res = resources(s.agentResources);
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            namespace: s.agentNamespace,
            labels: {
                "app.kubernetes.io/name": "jenkins-agent",
                "app.kubernetes.io/instance": s.imageName,
                "app.kubernetes.io/component": "build",
                "app.kubernetes.io/part-of": "ci-stack",
            },
        },
        spec: {
            // Nothing in the build talks to the Kubernetes API.
            automountServiceAccountToken: false,
            initContainers: [
                {
                    // Longhorn's RWX share is an NFS export of a root-owned filesystem, and fsGroup is not
                    // applied to it (CSIDriver fsGroupPolicy ReadWriteOnceWithFSType, longhorn#2131), so the
                    // inbound agent (uid 1000) could not create its remoting/ and workspace/ directories.
                    // Longhorn's own advice (longhorn#2145): chown the mount root from a root init container.
                    name: "workspace-owner",
                    image: s.images.build,
                    command: ["chown", `${AGENT_UID}:${AGENT_UID}`, "/workspace"],
                    resources: res,
                    volumeMounts: [{ name: PLUGIN_WORKSPACE_VOLUME, mountPath: "/workspace" }],
                },
            ],
            containers: [
                {
                    name: "jnlp",
                    image: s.images.agent,
                    resources: res,
                },
                {
                    name: "maven",
                    image: s.images.build,
                    command: ["cat"],
                    tty: true,
                    resources: res,
                    volumeMounts: [{ name: "maven-cache", mountPath: MAVEN_CACHE_MOUNT }],
                },
                {
                    // The debug image ships busybox; /busybox/cat keeps the container alive for `sh` steps.
                    name: "kaniko",
                    image: s.images.kaniko,
                    command: ["/busybox/cat"],
                    tty: true,
                    resources: res,
                    volumeMounts: [{ name: "docker-config", mountPath: KANIKO_DOCKER_CONFIG, readOnly: true }],
                },
            ],
            volumes: [
                {
                    name: "docker-config",
                    secret: {
                        secretName: s.registry.secretName,
                        // Kaniko reads $DOCKER_CONFIG/config.json; the Secret's key is .dockerconfigjson.
                        items: [{ key: ".dockerconfigjson", path: "config.json" }],
                    },
                },
                { name: "maven-cache", persistentVolumeClaim: { claimName: s.cacheClaimName } },
            ],
        },
    };
}

/** Pure: the Kaniko executor flags, one per element, in the order the Jenkinsfile writes them. */
export function kanikoFlags(s: PipelineSettings): string[] {
    const flags = [
        '--context="dir://$WORKSPACE"',
        '--dockerfile="$WORKSPACE/Dockerfile"',
        '--destination="$IMAGE_REPO:$SHORT_SHA"',
        '--destination="$IMAGE_REPO:latest"',
        "--cache=true",
        '--cache-repo="$CACHE_REPO"',
        "--cache-ttl=168h",
    ];
    if (s.registry.insecure) {
        // Push (and the layer cache, which Kaniko fetches with the push options) over plain HTTP or
        // an unverified certificate — only for a registry the config declares insecure.
        flags.push("--insecure", "--skip-tls-verify");
        // Pulls use their own flags; needed only when the Dockerfile's base image lives in that
        // same registry (a Harbor proxy-cache project, air-gapped clusters). Otherwise the base comes
        // from a public registry over verified TLS, and these stay off.
        const runtime = s.runtimeImage ?? RUNTIME_IMAGE;
        if (runtime.startsWith(`${s.registry.server}/`)) flags.push("--insecure-pull", "--skip-tls-verify-pull");
    }
    return flags;
}

/** Maven, against the shared cache claim. */
export function mavenCommand(): string {
    // Named file locks (Maven 3.9 / resolver 1.9) make the shared local repository safe for builds
    // on different nodes; Maven's default assumes one process per repository.
    return [
        "mvn -B -ntp",
        '-Dmaven.repo.local="$MAVEN_REPO"',
        "-Daether.syncContext.named.factory=file-lock",
        "-Daether.syncContext.named.nameMapper=file-gav",
        "clean package",
    ].join(" ");
}

/**
 * Shell of the tag bump (the body of the sh step, as the shell receives it).
 *
 * Credentials: `withCredentials` puts the Gitea user and password in the step's environment, and
 * git asks the credential helper below for them. The helper text names the variables; the shell
 * that git spawns for it expands them, outside `sh -xe`'s trace. So the password is in no URL, no
 * command line, no .git/config and no log line (Jenkins would mask it, but masking is a last resort:
 * a URL with user:password@ also ends up in .git/config and in git's own error messages).
 */
export function bumpScript(): string {
    return [
        "set -eu",
        `helper='!f() { [ "$1" = get ] || return 0; printf "%s\\n" "username=$GIT_USERNAME" "password=$GIT_PASSWORD"; }; f'`,
        "rm -rf .deploy",
        'git -c credential.helper="$helper" clone --depth 1 --branch "$DEPLOY_BRANCH" "$DEPLOY_REPO_URL" .deploy',
        "cd .deploy",
        'sed -i "s|image: $IMAGE_REPO:[^[:space:]]*|image: $IMAGE_REPO:$SHORT_SHA|" k8s/deployment.yaml',
        'grep -qF "image: $IMAGE_REPO:$SHORT_SHA" k8s/deployment.yaml || { echo "k8s/deployment.yaml has no image line for $IMAGE_REPO" >&2; exit 1; }',
        "if git diff --quiet; then",
        '  echo "notes-deploy already deploys $SHORT_SHA"',
        "else",
        '  git -c user.name="Jenkins" -c user.email="jenkins@ci-stack.invalid" commit -qam "Deploy $IMAGE_REPO:$SHORT_SHA"',
        '  git -c credential.helper="$helper" push origin "HEAD:$DEPLOY_BRANCH"',
        "fi",
    ].join("\n");
}

const indent = (text: string, by: number) =>
    text
        .split("\n")
        .map((l) => (l === "" ? l : " ".repeat(by) + l))
        .join("\n");

/** A multi-line `sh '''...'''` step at `by` columns, the script escaped for Groovy. */
function shBlock(script: string, by: number): string {
    return [`${" ".repeat(by)}sh '''`, indent(groovyTripleQuoted(script), by + 4), `${" ".repeat(by)}'''`].join("\n");
}

/** Pure: the notes-app Jenkinsfile (declarative). */
export function jenkinsfile(s: PipelineSettings): string {
    check(s);
    // No YAML anchors for the shared resources object: plain YAML reads the same in every parser.
    const podYaml = stringify(agentPod(s), { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd();
    const flags = kanikoFlags(s);
    // One flag per line; in the shell a trailing backslash continues the command.
    const kaniko = ["/kaniko/executor \\", ...flags.map((f, i) => `  ${f}${i < flags.length - 1 ? " \\" : ""}`)].join("\n");
    const env: [string, string][] = [
        ["IMAGE_REPO", imageRepository(s, s.imageName)],
        ["CACHE_REPO", imageRepository(s, "kaniko-cache")],
        ["MAVEN_REPO", `${MAVEN_CACHE_MOUNT}/repository`],
        ["DEPLOY_REPO_URL", s.deployRepoCloneUrl],
        ["DEPLOY_BRANCH", s.deployBranch ?? s.branch],
    ];
    return `// Seeded by ci-stack. Builds notes-app in a Kubernetes agent Pod: Maven packages the jar into the
// workspace (a ReadWriteMany claim), Kaniko builds and pushes the image without a Docker daemon,
// then the image tag in notes-deploy is set to this commit.
//
// No job properties here (options such as disableConcurrentBuilds or buildDiscarder): the job's
// config.xml is managed by the seed, and Declarative would rewrite it on every change.
pipeline {
    agent {
        kubernetes {
            workspaceVolume persistentVolumeClaimWorkspaceVolume(claimName: ${groovyString(s.workspaceClaimName)}, readOnly: false)
            yaml '''
${indent(groovyTripleQuoted(podYaml), 16)}
            '''
        }
    }
    environment {
${env.map(([k, v]) => `        ${k} = ${groovyString(v)}`).join("\n")}
    }
    stages {
        stage('Version') {
            steps {
                script {
                    // A fixed-length tag: git rev-parse --short grows with the repository.
                    env.SHORT_SHA = sh(script: 'git rev-parse HEAD | cut -c1-8', returnStdout: true).trim()
                }
            }
        }
        stage('Test and package') {
            steps {
                container('maven') {
                    sh ${groovyString(mavenCommand())}
                }
            }
        }
        stage('Build and push image') {
            steps {
                container('kaniko') {
${shBlock(kaniko, 20)}
                }
            }
        }
        stage('Bump notes-deploy') {
            steps {
                withCredentials([usernamePassword(credentialsId: ${groovyString(s.gitCredentialsId)}, usernameVariable: 'GIT_USERNAME', passwordVariable: 'GIT_PASSWORD')]) {
${shBlock(bumpScript(), 20)}
                }
            }
        }
    }
}
`;
}
