import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { XMLParser } from "fast-xml-parser";
import { parse } from "yaml";
import { imageProblem, loadConfig } from "../../config";
import { CATALOGUE } from "../../policies/catalogue";
import { checkPod, podOf } from "../../policies/check";
import {
    agentPod,
    APP_JAR,
    appRepoFiles,
    deployRepoFiles,
    folderConfigXml,
    groovyString,
    INITIAL_TAG,
    jenkinsfile,
    JobConfigShapeError,
    jobConfigXml,
    JobSpec,
    normalizeConfigXml,
    parseJobConfigXml,
    PipelineSettings,
} from "../../components/seed/templates";
import { MINIMAL, SECRET_KEYS } from "../support/fixtures";
import { assertValidK8s } from "../support/k8sSchema";

// Settings as the Seed builds them from the stack config (images and resources: config defaults).
function settings(over: Partial<PipelineSettings> = {}, registry: Partial<PipelineSettings["registry"]> = {}): PipelineSettings {
    const cfg = loadConfig("ci-stack", {
        get: (k) => MINIMAL[k.replace(/^ci-stack:/, "")],
        isSecret: (k) => (SECRET_KEYS as readonly string[]).includes(k.replace(/^ci-stack:/, "")),
        keys: () => Object.keys(MINIMAL).map((k) => `ci-stack:${k}`),
    });
    return {
        registry: { server: cfg.registry.server, project: cfg.registry.project, insecure: cfg.registry.insecure, secretName: cfg.registry.secretName, ...registry },
        imageName: cfg.seed.imageName,
        images: cfg.images,
        agentResources: cfg.agents.resources,
        agentNamespace: cfg.agents.namespace,
        workspaceClaimName: "agents-workspace",
        cacheClaimName: "agents-maven-cache",
        deployRepoCloneUrl: "http://gitea-http.gitea.svc.cluster.local:3000/gitea-admin/notes-deploy.git",
        gitCredentialsId: "gitea-credentials",
        branch: cfg.seed.branch,
        ...over,
    };
}

// ---------------------------------------------------------------------------------------------
// Reading the generated Groovy back

/** What Groovy makes of the body of a '...' or '''...''' string: backslash escapes, line continuation. */
function groovyUnescape(body: string): string {
    return body.replace(/\\(\r?\n|.)/g, (_, c: string) => {
        if (c === "\n" || c === "\r\n") return "";
        const map: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", "\\": "\\", "'": "'", '"': '"', $: "$" };
        const v = map[c];
        if (v === undefined) throw new Error(`not a Groovy escape: \\${c}`);
        return v;
    });
}

/** The first '''...''' string after `marker`, as Groovy evaluates it. */
function tripleQuotedAfter(jf: string, marker: string): string {
    const at = jf.indexOf(marker);
    assert.ok(at >= 0, `Jenkinsfile has no ${marker}`);
    const open = jf.indexOf("'''", at);
    const close = jf.indexOf("'''", open + 3);
    return groovyUnescape(jf.slice(open + 3, close));
}

/** The shell of a multi-line sh step: Groovy-unescaped, common indentation removed. */
function shellAfter(jf: string, marker: string): string {
    const lines = tripleQuotedAfter(jf, marker).split("\n").filter((l) => l.trim() !== "");
    const pad = Math.min(...lines.map((l) => /^ */.exec(l)![0].length));
    return lines.map((l) => l.slice(pad)).join("\n");
}

/** Source lines of the sh '''...''' block after `marker`, exactly as written in the Jenkinsfile. */
function rawBlockLines(jf: string, marker: string): string[] {
    const at = jf.indexOf(marker);
    const open = jf.indexOf("'''", at);
    const close = jf.indexOf("'''", open + 3);
    return jf.slice(open + 3, close).split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

/** Strips Groovy strings and comments, so the braces that remain are the code's own. */
function groovyCode(jf: string): string {
    return jf.replace(/'''[\s\S]*?'''|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|\/\/[^\n]*/g, "");
}

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

// Runs a shell script with only the given environment (and PATH), isolated from the user's git config.
function runSh(script: string, env: Record<string, string>, cwd: string) {
    return spawnSync("sh", ["-xe", "-c", script], {
        cwd,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0", ...env },
    });
}

describe("seed templates", () => {
    describe("Jenkinsfile", () => {
        const KANIKO = "container('kaniko')";

        it("writes the Kaniko flags one per line, with both destinations and the registry layer cache", () => {
            assert.deepEqual(rawBlockLines(jenkinsfile(settings()), KANIKO), [
                "/kaniko/executor \\\\",
                '--context="dir://$WORKSPACE" \\\\',
                '--dockerfile="$WORKSPACE/Dockerfile" \\\\',
                '--destination="$IMAGE_REPO:$SHORT_SHA" \\\\',
                '--destination="$IMAGE_REPO:latest" \\\\',
                "--cache=true \\\\",
                '--cache-repo="$CACHE_REPO" \\\\',
                "--cache-ttl=168h",
            ]);
        });

        it("names the registry, project and image in the environment block as plain Groovy literals", () => {
            const jf = jenkinsfile(settings());
            assert.ok(jf.includes("        IMAGE_REPO = '10.0.24.28:30002/bootcamp/notes-app'\n"), jf);
            assert.ok(jf.includes("        CACHE_REPO = '10.0.24.28:30002/bootcamp/kaniko-cache'\n"));
            assert.ok(jf.includes("        MAVEN_REPO = '/var/cache/maven/repository'\n"));
            assert.ok(jf.includes("        DEPLOY_REPO_URL = 'http://gitea-http.gitea.svc.cluster.local:3000/gitea-admin/notes-deploy.git'\n"));
            assert.ok(jf.includes("        DEPLOY_BRANCH = 'main'\n"));
        });

        it("adds --insecure and --skip-tls-verify only when the registry is insecure", () => {
            const secure = jenkinsfile(settings());
            assert.doesNotMatch(secure, /--insecure|--skip-tls-verify/);

            const lines = rawBlockLines(jenkinsfile(settings({}, { insecure: true })), KANIKO);
            assert.deepEqual(lines.slice(-3), ["--cache-ttl=168h \\\\", "--insecure \\\\", "--skip-tls-verify"]);
            // The base image comes from a public registry over verified TLS: pulls stay strict.
            assert.ok(!lines.some((l) => /-pull/.test(l)));
        });

        it("adds the pull flags only when the Dockerfile's base image is in the insecure registry", () => {
            const mirror = "10.0.24.28:30002/dockerhub/eclipse-temurin:21.0.8_9-jre-alpine";
            const lines = rawBlockLines(jenkinsfile(settings({ runtimeImage: mirror }, { insecure: true })), KANIKO);
            assert.deepEqual(lines.slice(-4), ["--insecure \\\\", "--skip-tls-verify \\\\", "--insecure-pull \\\\", "--skip-tls-verify-pull"]);
            assert.doesNotMatch(jenkinsfile(settings({ runtimeImage: mirror })), /--insecure/);
            assert.match(appRepoFiles(settings({ runtimeImage: mirror })).Dockerfile!, new RegExp(`^FROM ${mirror}$`, "m"));
        });

        it("hands the shell exactly the Kaniko arguments intended (Groovy escapes, continuations, quoting)", function () {
            if (!has("sh")) this.skip();
            const script = shellAfter(jenkinsfile(settings({}, { insecure: true })), KANIKO).replace("/kaniko/executor", "printf '%s\\n'");
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kaniko-"));
            const r = runSh(script, { WORKSPACE: "/home/jenkins/agent/workspace/ci/notes app", SHORT_SHA: "0123abcd", IMAGE_REPO: "r:5000/p/notes-app", CACHE_REPO: "r:5000/p/kaniko-cache" }, dir);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.stdout.trimEnd().split("\n"), [
                "--context=dir:///home/jenkins/agent/workspace/ci/notes app",
                "--dockerfile=/home/jenkins/agent/workspace/ci/notes app/Dockerfile",
                "--destination=r:5000/p/notes-app:0123abcd",
                "--destination=r:5000/p/notes-app:latest",
                "--cache=true",
                "--cache-repo=r:5000/p/kaniko-cache",
                "--cache-ttl=168h",
                "--insecure",
                "--skip-tls-verify",
            ]);
        });

        it("mounts the workspace on the RWX claim with the kubernetes plugin's declarative syntax", () => {
            assert.ok(
                jenkinsfile(settings()).includes(
                    "\n            workspaceVolume persistentVolumeClaimWorkspaceVolume(claimName: 'agents-workspace', readOnly: false)\n",
                ),
            );
        });

        it("embeds a Pod YAML that parses back to the agent Pod and is schema-valid", async () => {
            const s = settings();
            const pod = parse(tripleQuotedAfter(jenkinsfile(s), "yaml '''"));
            assert.deepEqual(pod, agentPod(s));
            await assertValidK8s(pod);
        });

        it("gives the Kaniko container the debug image, /busybox/cat, a TTY and harbor-auth as config.json", () => {
            const s = settings({ images: { ...settings().images, kaniko: "mirror.local/kaniko-project/executor:v1.23.2-debug" } });
            const pod = parse(tripleQuotedAfter(jenkinsfile(s), "yaml '''"));
            const kaniko = pod.spec.containers.find((c: any) => c.name === "kaniko");
            assert.equal(kaniko.image, "mirror.local/kaniko-project/executor:v1.23.2-debug");
            assert.deepEqual(kaniko.command, ["/busybox/cat"]);
            assert.equal(kaniko.tty, true);
            assert.deepEqual(kaniko.volumeMounts, [{ name: "docker-config", mountPath: "/kaniko/.docker", readOnly: true }]);
            assert.deepEqual(pod.spec.volumes.find((v: any) => v.name === "docker-config"), {
                name: "docker-config",
                secret: { secretName: "harbor-auth", items: [{ key: ".dockerconfigjson", path: "config.json" }] },
            });
            const maven = pod.spec.containers.find((c: any) => c.name === "maven");
            assert.deepEqual(maven.volumeMounts, [{ name: "maven-cache", mountPath: "/var/cache/maven" }]);
            assert.deepEqual(pod.spec.volumes.find((v: any) => v.name === "maven-cache").persistentVolumeClaim, { claimName: "agents-maven-cache" });
            assert.deepEqual(
                pod.spec.containers.map((c: any) => [c.name, c.image]),
                [
                    ["jnlp", "jenkins/inbound-agent:3385.vf1123fb_515da_-1"],
                    ["maven", "maven:3.9.11-eclipse-temurin-21"],
                    ["kaniko", "mirror.local/kaniko-project/executor:v1.23.2-debug"],
                ],
            );
            assert.equal(pod.metadata.namespace, "jenkins-agents");
            assert.equal(pod.metadata.labels["app.kubernetes.io/name"], "jenkins-agent");
        });

        it("puts requests and limits on every container, init containers included, and passes the policy catalogue", () => {
            const s = settings();
            const pod = parse(tripleQuotedAfter(jenkinsfile(s), "yaml '''"));
            const all = [...pod.spec.initContainers, ...pod.spec.containers];
            assert.equal(all.length, 4);
            for (const c of all) {
                assert.deepEqual(c.resources, { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } }, c.name);
                assert.equal(imageProblem(c.image), undefined, c.name);
            }
            // The init container prepares the plugin's workspace volume for the uid-1000 agent.
            assert.deepEqual(pod.spec.initContainers[0].volumeMounts, [{ name: "workspace-volume", mountPath: "/workspace" }]);
            assert.deepEqual(pod.spec.initContainers[0].command, ["chown", "1000:1000", "/workspace"]);
            for (const rule of CATALOGUE) assert.deepEqual(checkPod(rule, podOf("kubernetes:core/v1:Pod", pod)!), [], rule.name);
        });

        it("interpolates nothing in Groovy and runs no job-property options", () => {
            const jf = jenkinsfile(settings());
            assert.ok(!jf.includes("${"), "a GString interpolation would put values through Groovy");
            assert.doesNotMatch(jf, /\bsh "/);
            assert.doesNotMatch(groovyCode(jf), /\boptions\s*\{|disableConcurrentBuilds|buildDiscarder/);
            // Code braces and parentheses balance once strings and comments are gone.
            const code = groovyCode(jf);
            for (const [o, c] of [["{", "}"], ["(", ")"], ["[", "]"]] as const) {
                assert.equal(code.split(o).length, code.split(c).length, `${o}${c} unbalanced`);
            }
        });

        it("clones notes-deploy with the Jenkins credential and no password in any URL", () => {
            const jf = jenkinsfile(settings());
            assert.ok(
                jf.includes(
                    "withCredentials([usernamePassword(credentialsId: 'gitea-credentials', usernameVariable: 'GIT_USERNAME', passwordVariable: 'GIT_PASSWORD')]) {",
                ),
            );
            const script = shellAfter(jf, "withCredentials");
            assert.ok(script.split("\n").includes(`helper='!f() { [ "$1" = get ] || return 0; printf "%s\\n" "username=$GIT_USERNAME" "password=$GIT_PASSWORD"; }; f'`), script);
            assert.doesNotMatch(script, /:\/\/[^"\s]*@|\$GIT_PASSWORD@/);
            assert.match(script, /^git -c credential.helper="\$helper" clone --depth 1 --branch "\$DEPLOY_BRANCH" "\$DEPLOY_REPO_URL" \.deploy$/m);
            assert.match(script, /^ {2}git -c credential.helper="\$helper" push origin "HEAD:\$DEPLOY_BRANCH"$/m);
        });

        it("the credential helper answers git with the password from the environment, verbatim", function () {
            if (!has("git")) this.skip();
            const script = shellAfter(jenkinsfile(settings()), "withCredentials");
            const helperLine = script.split("\n").find((l) => l.startsWith("helper="))!;
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cred-"));
            const password = `p@ss w'rd"\\$x%s`;
            const r = runSh(
                `${helperLine}\nprintf 'protocol=http\\nhost=gitea\\n\\n' | git -c credential.helper="$helper" credential fill`,
                { GIT_USERNAME: "jenkins", GIT_PASSWORD: password },
                dir,
            );
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.stdout.trimEnd().split("\n"), ["protocol=http", "host=gitea", "username=jenkins", `password=${password}`]);
            assert.ok(!r.stderr.includes(password), "the xtrace must not show the password");
        });

        it("bumps the tag in a real notes-deploy clone, commits and pushes once; a re-run changes nothing", function () {
            if (!has("git") || !has("sed")) this.skip();
            const s = settings();
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bump-"));
            const git = (cwd: string, ...args: string[]) =>
                execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
                    cwd,
                    encoding: "utf8",
                    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
                });
            const seed = path.join(dir, "seed");
            const imageRepo = `${s.registry.server}/${s.registry.project}/${s.imageName}`;
            for (const [p, c] of Object.entries(deployRepoFiles({ imageName: s.imageName, image: `${imageRepo}:${INITIAL_TAG}` }))) {
                fs.mkdirSync(path.dirname(path.join(seed, p)), { recursive: true });
                fs.writeFileSync(path.join(seed, p), c);
            }
            git(seed, "init", "-q", "-b", "main");
            git(seed, "add", ".");
            git(seed, "commit", "-qm", "seed");
            git(dir, "clone", "-q", "--bare", seed, "deploy.git");

            const ws = path.join(dir, "ws");
            fs.mkdirSync(ws);
            const password = "s3cret-Pa55";
            const env = {
                DEPLOY_REPO_URL: `file://${dir}/deploy.git`,
                DEPLOY_BRANCH: "main",
                IMAGE_REPO: imageRepo,
                SHORT_SHA: "89abcdef",
                GIT_USERNAME: "jenkins",
                GIT_PASSWORD: password,
            };
            const script = shellAfter(jenkinsfile(s), "withCredentials");
            const first = runSh(script, env, ws);
            assert.equal(first.status, 0, first.stderr);
            const bare = path.join(dir, "deploy.git");
            const deployed = git(bare, "show", "main:k8s/deployment.yaml");
            assert.equal(parse(deployed).spec.template.spec.containers[0].image, `${imageRepo}:89abcdef`);
            assert.equal(git(bare, "log", "-1", "--format=%an %s", "main").trim(), `Jenkins Deploy ${imageRepo}:89abcdef`);
            assert.equal(git(bare, "show", "main:k8s/service.yaml"), deployRepoFiles({ imageName: s.imageName, image: `${imageRepo}:${INITIAL_TAG}` })["k8s/service.yaml"]);
            assert.ok(!`${first.stdout}${first.stderr}`.includes(password));

            const again = runSh(script, env, ws);
            assert.equal(again.status, 0, again.stderr);
            assert.match(again.stdout, /notes-deploy already deploys 89abcdef/);
            assert.equal(git(bare, "rev-list", "--count", "main").trim(), "2");
        });

        it("fails the stage when the manifest has no image line for this repository", function () {
            if (!has("git") || !has("sed")) this.skip();
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bump-miss-"));
            const seed = path.join(dir, "seed");
            fs.mkdirSync(path.join(seed, "k8s"), { recursive: true });
            fs.writeFileSync(path.join(seed, "k8s/deployment.yaml"), "image: other/repo:1\n");
            const g = (cwd: string, ...a: string[]) =>
                execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...a], { cwd, env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null" } });
            g(seed, "init", "-q", "-b", "main");
            g(seed, "add", ".");
            g(seed, "commit", "-qm", "seed");
            const r = runSh(
                shellAfter(jenkinsfile(settings()), "withCredentials"),
                { DEPLOY_REPO_URL: `file://${seed}`, DEPLOY_BRANCH: "main", IMAGE_REPO: "r/p/notes-app", SHORT_SHA: "1", GIT_USERNAME: "u", GIT_PASSWORD: "p" },
                dir,
            );
            assert.notEqual(r.status, 0);
            assert.match(r.stderr, /has no image line for r\/p\/notes-app/);
        });

        it("escapes Groovy literals", () => {
            assert.equal(groovyString(String.raw`it's a \ test`), String.raw`'it\'s a \\ test'`);
            assert.equal(groovyUnescape(groovyString("a'b\\c\nd").slice(1, -1)), "a'b\\c\nd");
        });

        it("rejects settings that cannot be embedded safely, naming every problem", () => {
            assert.throws(
                () =>
                    jenkinsfile(
                        settings(
                            {
                                deployRepoCloneUrl: "http://user:pw@gitea/notes-deploy.git",
                                images: { ...settings().images, kaniko: "gcr.io/kaniko-project/executor:v1.23.2", build: "maven:latest" },
                                branch: "main'; rm -rf /",
                            },
                            { server: "https://harbor" },
                        ),
                    ),
                (e: Error) =>
                    /registry.server/.test(e.message) &&
                    /deployRepoCloneUrl .* without credentials/.test(e.message) &&
                    /images.kaniko .* not a debug variant/.test(e.message) &&
                    /images.build must not use the :latest tag/.test(e.message) &&
                    /branch "main'; rm -rf \/" is not a git branch name/.test(e.message),
            );
        });
    });

    describe("notes-app repository", () => {
        it("holds the app, its build, Dockerfile, Jenkinsfile and README", () => {
            assert.deepEqual(Object.keys(appRepoFiles(settings())).sort(), [
                ".dockerignore",
                ".gitignore",
                "Dockerfile",
                "Jenkinsfile",
                "README.md",
                "pom.xml",
                "src/main/java/notes/Json.java",
                "src/main/java/notes/NoteStore.java",
                "src/main/java/notes/NotesServer.java",
                "src/test/java/notes/NoteStoreTest.java",
                "src/test/java/notes/NotesServerTest.java",
            ]);
        });

        it("has a Dockerfile with a pinned base, the jar Maven builds, and a numeric non-root user", () => {
            const files = appRepoFiles(settings());
            const df = files.Dockerfile!;
            const from = /^FROM (\S+)$/m.exec(df)![1]!;
            assert.equal(imageProblem(from), undefined);
            assert.match(df, new RegExp(`^COPY ${APP_JAR} /app/app.jar$`, "m"));
            const user = /^USER (\d+):(\d+)$/m.exec(df);
            assert.ok(user && Number(user[1]) > 0, "USER must be a numeric non-root uid");
            assert.match(files["pom.xml"]!, /<finalName>app<\/finalName>/);
            assert.equal(APP_JAR, "target/app.jar");
            // Every Maven plugin in the build is pinned.
            const plugins = [...files["pom.xml"]!.matchAll(/<plugin>([\s\S]*?)<\/plugin>/g)].map((m) => m[1]!);
            assert.ok(plugins.length >= 5 && plugins.every((p) => /<version>\d/.test(p)));
        });

        it("compiles (javac, main sources)", function () {
            this.timeout(30000);
            if (spawnSync("javac", ["-version"], { stdio: "ignore" }).status !== 0) this.skip();
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "notes-app-"));
            const sources: string[] = [];
            for (const [p, c] of Object.entries(appRepoFiles(settings()))) {
                if (!p.startsWith("src/main/java/")) continue;
                fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
                fs.writeFileSync(path.join(dir, p), c);
                sources.push(path.join(dir, p));
            }
            const r = spawnSync("javac", ["--release", "17", "-d", path.join(dir, "out"), ...sources], { encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
        });
    });

    describe("notes-deploy repository", () => {
        const image = `10.0.24.28:30002/bootcamp/notes-app:${INITIAL_TAG}`;
        const files = () => deployRepoFiles({ imageName: "notes-app", image, namespace: "notes" });

        it("writes schema-valid Deployment and Service manifests", async () => {
            const f = files();
            await assertValidK8s(parse(f["k8s/deployment.yaml"]!));
            await assertValidK8s(parse(f["k8s/service.yaml"]!));
            assert.deepEqual(parse(f["k8s/kustomization.yaml"]!).resources, ["deployment.yaml", "service.yaml"]);
        });

        it("passes the policy catalogue, with limits too, and the labels the selectors need", () => {
            const dep = parse(files()["k8s/deployment.yaml"]!);
            for (const rule of CATALOGUE) assert.deepEqual(checkPod(rule, podOf("kubernetes:apps/v1:Deployment", dep)!), [], rule.name);
            assert.equal(dep.metadata.labels["app.kubernetes.io/name"], "notes-app");
            assert.equal(dep.metadata.namespace, "notes");
            const tpl = dep.spec.template;
            for (const [k, v] of Object.entries(dep.spec.selector.matchLabels)) assert.equal(tpl.metadata.labels[k], v);
            for (const c of [...tpl.spec.containers, ...(tpl.spec.initContainers ?? [])]) {
                for (const kind of ["requests", "limits"]) for (const r of ["cpu", "memory"]) assert.ok(c.resources?.[kind]?.[r], `${c.name} ${kind}.${r}`);
                assert.equal(c.image, image);
            }
            assert.equal(tpl.spec.securityContext.runAsNonRoot, true);
            const svc = parse(files()["k8s/service.yaml"]!);
            assert.deepEqual(svc.spec.selector, dep.spec.selector.matchLabels);
            assert.equal(svc.spec.ports[0].targetPort, tpl.spec.containers[0].ports[0].name);
        });

        it("has exactly one image line the pipeline's sed rewrites", () => {
            const lines = files()["k8s/deployment.yaml"]!.split("\n").filter((l) => l.includes("image:"));
            assert.deepEqual(lines, [`          image: ${image}`]);
        });

        it("refuses a latest or untagged image, and a name a Service cannot have", () => {
            assert.throws(() => deployRepoFiles({ imageName: "notes-app", image: "r/p/notes-app:latest" }), /must not use the :latest tag/);
            assert.throws(() => deployRepoFiles({ imageName: "notes-app", image: "r:5000/p/notes-app" }), /explicit tag/);
            assert.throws(() => deployRepoFiles({ imageName: "1notes", image }), /DNS-1035/);
        });
    });

    describe("job config.xml", () => {
        const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
            description: "notes-app: build and push on every push to main",
            cloneUrl: "http://gitea-http.gitea.svc.cluster.local:3000/gitea-admin/notes-app.git",
            credentialsId: "gitea-credentials",
            branch: "main",
            scriptPath: "Jenkinsfile",
            trigger: { kind: "generic-webhook", tokenCredentialId: "notes-app-webhook-token", branchRef: "refs/heads/main" },
            ...over,
        });
        const plain = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false });

        it("is a Pipeline-from-SCM job with lightweight checkout, one build at a time, and the generic webhook trigger", () => {
            const x = plain.parse(jobConfigXml(spec()));
            const job = x["flow-definition"];
            assert.equal(job.definition["@_class"], "org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition");
            assert.equal(job.definition.scm["@_class"], "hudson.plugins.git.GitSCM");
            assert.deepEqual(job.definition.scm.userRemoteConfigs["hudson.plugins.git.UserRemoteConfig"], {
                url: "http://gitea-http.gitea.svc.cluster.local:3000/gitea-admin/notes-app.git",
                credentialsId: "gitea-credentials",
            });
            assert.equal(job.definition.scm.branches["hudson.plugins.git.BranchSpec"].name, "*/main");
            assert.equal(job.definition.scriptPath, "Jenkinsfile");
            assert.equal(job.definition.lightweight, "true");
            assert.ok("org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty" in job.properties);
            const gwt = job.properties["org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty"].triggers["org.jenkinsci.plugins.gwt.GenericTrigger"];
            assert.deepEqual(gwt.genericVariables["org.jenkinsci.plugins.gwt.GenericVariable"], {
                expressionType: "JSONPath",
                key: "ref",
                value: "$.ref",
                regexpFilter: "",
                defaultValue: "",
            });
            assert.equal(gwt.regexpFilterText, "$ref");
            assert.equal(gwt.regexpFilterExpression, "^refs/heads/main$");
            assert.equal(gwt.tokenCredentialId, "notes-app-webhook-token");
            assert.equal(gwt.token, "");
            assert.equal(gwt.causeString, "Gitea push to $ref");
            assert.equal(job.disabled, "false");
        });

        it("escapes hostile text through the XML library and reads it back unchanged", () => {
            const nasty = spec({
                description: `a & b <c> "d" 'e' ]]> <![CDATA[x]]> &amp;`,
                cloneUrl: "http://gitea/x.git?a=1&b=<2>",
                branch: `rel/"1"&<2>]]>`,
                scriptPath: "ci/Jenkins&file",
                trigger: { kind: "generic-webhook", token: `t<&>"]]>`, branchRef: "refs/heads/rel/1.0+(x)" },
            });
            const xml = jobConfigXml(nasty);
            assert.ok(!xml.includes("]]>"), "]]> must be escaped in text");
            assert.ok(!xml.includes("<c>") && !xml.includes("&b=") && !xml.includes("&<2>"));
            const x = plain.parse(xml)["flow-definition"];
            assert.equal(x.description, nasty.description);
            assert.equal(x.definition.scm.branches["hudson.plugins.git.BranchSpec"].name, `*/${nasty.branch}`);
            const gwt = x.properties["org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty"].triggers["org.jenkinsci.plugins.gwt.GenericTrigger"];
            // The ref's regexp metacharacters are escaped: a branch with "." matches only itself.
            assert.equal(gwt.regexpFilterExpression, String.raw`^refs/heads/rel/1\.0\+\(x\)$`);
            assert.deepEqual(parseJobConfigXml(xml), nasty);
        });

        it("parses back to the spec it was built from", () => {
            for (const s of [
                spec(),
                spec({ description: "", trigger: { kind: "generic-webhook", token: "plain-token", branchRef: "refs/heads/main" } }),
                spec({ branch: "release/1.0", trigger: { kind: "generic-webhook", tokenCredentialId: "t", branchRef: "refs/heads/release/1.0" } }),
            ]) {
                assert.deepEqual(parseJobConfigXml(jobConfigXml(s)), s);
            }
        });

        it("requires exactly one of token and tokenCredentialId", () => {
            assert.throws(() => jobConfigXml(spec({ trigger: { kind: "generic-webhook", branchRef: "refs/heads/main" } })), /exactly one of tokenCredentialId and token/);
            assert.throws(
                () => jobConfigXml(spec({ trigger: { kind: "generic-webhook", token: "a", tokenCredentialId: "b", branchRef: "refs/heads/main" } })),
                /exactly one/,
            );
        });

        // The job as Jenkins writes it back after a save (XStream): version 1.1 declaration,
        // plugin="id@version" attributes, every default field, Declarative's tracker action, other
        // field order and indentation. Same meaning as jobConfigXml(spec()).
        const JENKINS_SAVED = `<?xml version='1.1' encoding='UTF-8'?>
<flow-definition plugin="workflow-job@1540.v295eccc9778f">
  <actions>
    <org.jenkinsci.plugins.pipeline.modeldefinition.actions.DeclarativeJobAction plugin="pipeline-model-definition@2.2255.v56a_15e805f12"/>
    <org.jenkinsci.plugins.pipeline.modeldefinition.actions.DeclarativeJobPropertyTrackerAction plugin="pipeline-model-definition@2.2255.v56a_15e805f12">
      <jobProperties/>
      <triggers/>
      <parameters/>
      <options/>
    </org.jenkinsci.plugins.pipeline.modeldefinition.actions.DeclarativeJobPropertyTrackerAction>
  </actions>
  <description>notes-app: build and push on every push to main</description>
  <keepDependencies>false</keepDependencies>
  <properties>
    <org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty>
      <triggers>
        <org.jenkinsci.plugins.gwt.GenericTrigger plugin="generic-webhook-trigger@2.4.1">
          <spec></spec>
          <genericVariables>
            <org.jenkinsci.plugins.gwt.GenericVariable>
              <expressionType>JSONPath</expressionType>
              <key>ref</key>
              <value>$.ref</value>
              <regexpFilter></regexpFilter>
              <defaultValue></defaultValue>
            </org.jenkinsci.plugins.gwt.GenericVariable>
          </genericVariables>
          <regexpFilterText>$ref</regexpFilterText>
          <regexpFilterExpression>^refs/heads/main$</regexpFilterExpression>
          <printPostContent>false</printPostContent>
          <printContributedVariables>false</printContributedVariables>
          <causeString>Gitea push to $ref</causeString>
          <token></token>
          <tokenCredentialId>notes-app-webhook-token</tokenCredentialId>
          <silentResponse>false</silentResponse>
          <overrideQuietPeriod>false</overrideQuietPeriod>
          <shouldNotFlattern>false</shouldNotFlattern>
          <allowSeveralTriggersPerBuild>false</allowSeveralTriggersPerBuild>
        </org.jenkinsci.plugins.gwt.GenericTrigger>
      </triggers>
    </org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty>
    <org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty>
      <abortPrevious>false</abortPrevious>
    </org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty>
  </properties>
  <definition plugin="workflow-cps@4106.v7a_8a_8176d450" class="org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition">
    <scm class="hudson.plugins.git.GitSCM" plugin="git@5.7.0">
      <configVersion>2</configVersion>
      <userRemoteConfigs>
        <hudson.plugins.git.UserRemoteConfig>
          <url>http://gitea-http.gitea.svc.cluster.local:3000/gitea-admin/notes-app.git</url>
          <credentialsId>gitea-credentials</credentialsId>
        </hudson.plugins.git.UserRemoteConfig>
      </userRemoteConfigs>
      <branches>
        <hudson.plugins.git.BranchSpec>
          <name>*/main</name>
        </hudson.plugins.git.BranchSpec>
      </branches>
      <doGenerateSubmoduleConfigurations>false</doGenerateSubmoduleConfigurations>
      <submoduleCfg class="empty-list"/>
      <extensions/>
    </scm>
    <scriptPath>Jenkinsfile</scriptPath>
    <lightweight>true</lightweight>
  </definition>
  <triggers/>
  <disabled>false</disabled>
</flow-definition>
`;

        it("normalises Jenkins' re-serialisation of the job to the same form as ours", () => {
            assert.equal(normalizeConfigXml(JENKINS_SAVED), normalizeConfigXml(jobConfigXml(spec())));
            assert.deepEqual(parseJobConfigXml(JENKINS_SAVED), spec());
            // XML 1.0 declaration from a POSTed file, everything on one line.
            const oneLine = jobConfigXml(spec()).replace(/>\s+</g, "><").replace(/^<\?xml[^>]*\?>/, "<?xml version='1.0' encoding='UTF-8'?>\n");
            assert.equal(normalizeConfigXml(oneLine), normalizeConfigXml(jobConfigXml(spec())));
            assert.equal(normalizeConfigXml(normalizeConfigXml(JENKINS_SAVED)), normalizeConfigXml(JENKINS_SAVED));
            // Another plugin version: a field it no longer has, a new one at its default (false).
            const otherVersion = JENKINS_SAVED.replace("<silentResponse>false</silentResponse>", "").replace(
                "<spec></spec>",
                "<spec></spec><printContributedVariablesToBuildLog>false</printContributedVariablesToBuildLog>",
            );
            assert.equal(normalizeConfigXml(otherVersion), normalizeConfigXml(jobConfigXml(spec())));
        });

        it("still tells a changed job apart", () => {
            const ours = normalizeConfigXml(jobConfigXml(spec()));
            const edits: [string, string][] = [
                ["scriptPath", JENKINS_SAVED.replace("<scriptPath>Jenkinsfile</scriptPath>", "<scriptPath>ci/Jenkinsfile</scriptPath>")],
                ["lightweight off", JENKINS_SAVED.replace("<lightweight>true</lightweight>", "<lightweight>false</lightweight>")],
                ["concurrent builds allowed", JENKINS_SAVED.replace(/<org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty>[\s\S]*?<\/org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty>/, "")],
                ["token credential", JENKINS_SAVED.replace("notes-app-webhook-token", "other-token")],
                ["branch", JENKINS_SAVED.replace("<name>*/main</name>", "<name>*/dev</name>")],
                ["disabled", JENKINS_SAVED.replace("<disabled>false</disabled>", "<disabled>true</disabled>")],
                ["definition class", JENKINS_SAVED.replace('class="org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition"', 'class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition"')],
                ["description", JENKINS_SAVED.replace("on every push to main", "on every push")],
            ];
            for (const [what, xml] of edits) assert.notEqual(normalizeConfigXml(xml), ours, what);
        });

        it("survives Pulumi's closure serialization, as the seed's dynamic providers capture it", async () => {
            const capture = () => ({ jobConfigXml, parseJobConfigXml, normalizeConfigXml, folderConfigXml });
            const sf = await pulumi.runtime.serializeFunction(capture);
            // Loaded as its own module, the way the provider host loads a serialized provider.
            const file = path.join(__dirname, "__templates.js");
            const mod = new Module(file, module) as Module & { _compile(code: string, file: string): void };
            mod.filename = file;
            mod.paths = (Module as any)._nodeModulePaths(__dirname);
            mod._compile(sf.text, file);
            const fns = (mod.exports as Record<string, () => ReturnType<typeof capture>>)[sf.exportName]!();
            const xml = fns.jobConfigXml(spec());
            assert.equal(xml, jobConfigXml(spec()));
            assert.deepEqual(fns.parseJobConfigXml(JENKINS_SAVED), spec());
            assert.equal(fns.normalizeConfigXml(JENKINS_SAVED), normalizeConfigXml(xml));
            assert.equal(fns.folderConfigXml("d & e"), folderConfigXml("d & e"));
        });

        it("refuses to read a job it did not write as a JobSpec", () => {
            const inline = `<?xml version='1.1' encoding='UTF-8'?><flow-definition><definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition"><script>x</script></definition></flow-definition>`;
            assert.throws(() => parseJobConfigXml(inline), JobConfigShapeError);
            const noTrigger = JENKINS_SAVED.replace(/<org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty>[\s\S]*?<\/org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty>/, "");
            assert.throws(() => parseJobConfigXml(noTrigger), /expected one org.jenkinsci.plugins.gwt.GenericTrigger, found 0/);
            const unanchored = JENKINS_SAVED.replace("^refs/heads/main$", "refs/heads/.*");
            assert.throws(() => parseJobConfigXml(unanchored), /not \^<one literal ref>\$/);
            assert.throws(() => parseJobConfigXml("<flow-definition>"), JobConfigShapeError);
        });
    });

    describe("folder config.xml", () => {
        it("is a cloudbees-folder Folder whose description survives escaping", () => {
            const d = `CI for "notes" & friends <seeded> ]]>`;
            const xml = folderConfigXml(d);
            assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<com.cloudbees.hudson.plugins.folder.Folder>/);
            assert.ok(!xml.includes("]]>"));
            assert.match(xml, /<description>CI for &quot;notes&quot; &amp; friends &lt;seeded&gt; \]\]&gt;<\/description>/);
        });
    });
});
