// Seed figures against the in-process emulators: HTTP requests and wall time of a first converge
// (every seed resource's create) and of a re-run (every diff: zero writes expected), and Jenkins
// requests per N config writes for our JenkinsClient next to the `jenkins` npm client (node-jenkins).
import { performance } from "node:perf_hooks";
import type { CredentialInputs, FileSpec, FilesInputs, FolderInputs, HookInputs, ItemInputs, RepoInputs } from "../components/seed/providers";
import {
    giteaFilesProvider,
    giteaRepositoryProvider,
    giteaWebhookProvider,
    jenkinsCredentialProvider,
    jenkinsFolderProvider,
    jenkinsJobProvider,
} from "../components/seed/providers";
import { JenkinsClient } from "../components/seed/jenkinsClient";
import { appRepoFiles, deployRepoFiles, jobConfigXml } from "../components/seed/templates";
import { GITEA_PASSWORD, GITEA_USER, start as startGitea } from "../test/support/giteaEmulator";
import { JENKINS_PASSWORD, JENKINS_USER, start as startJenkins } from "../test/support/jenkinsEmulator";

type Log = { method: string }[];
const count = (log: Log, from = 0) => {
    const xs = log.slice(from);
    return { requests: xs.length, writes: xs.filter((r) => r.method !== "GET").length };
};

function files(record: Record<string, string>, createOnly: string[] = []): FileSpec[] {
    return Object.entries(record).map(([path, content]) => ({ path, content, ...(createOnly.includes(path) ? { createOnly: true } : {}) }));
}

async function converge(): Promise<void> {
    const gitea = await startGitea();
    const jenkins = await startJenkins();
    try {
        const g = { url: gitea.url, username: GITEA_USER, password: GITEA_PASSWORD };
        const j = { url: jenkins.url, username: JENKINS_USER, password: JENKINS_PASSWORD };
        const inCluster = "http://gitea-http.gitea.svc.cluster.local:3000";
        const repo = (name: string): RepoInputs => ({ gitea: g, name, private: true, description: "", defaultBranch: "main", deleteOnDestroy: false });
        const appFiles: FilesInputs = {
            gitea: g,
            owner: GITEA_USER,
            repo: "notes-app",
            branch: "main",
            message: "Seed",
            files: files(
                appRepoFiles({
                    registry: { server: "10.0.24.28:30002", project: "bootcamp", insecure: true, secretName: "harbor-auth" },
                    imageName: "notes-app",
                    images: { kaniko: "gcr.io/kaniko-project/executor:v1.23.2-debug", agent: "jenkins/inbound-agent:3385.vf1123fb_515da_-1", build: "maven:3.9.11-eclipse-temurin-21" },
                    agentResources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } },
                    agentNamespace: "jenkins-agents",
                    workspaceClaimName: "agent-workspace",
                    cacheClaimName: "agent-cache",
                    deployRepoCloneUrl: `${inCluster}/${GITEA_USER}/notes-deploy.git`,
                    gitCredentialsId: "gitea-credentials",
                    branch: "main",
                }),
            ),
        };
        const deployFiles: FilesInputs = {
            ...appFiles,
            repo: "notes-deploy",
            files: files(deployRepoFiles({ imageName: "notes-app", image: "10.0.24.28:30002/bootcamp/notes-app:0.0.0" }), ["k8s/deployment.yaml"]),
        };
        const folder: FolderInputs = { jenkins: j, path: "ci", description: "Seeded" };
        const cred: CredentialInputs = { jenkins: j, folder: "ci", credentialId: "notes-app-webhook-token", description: "", secret: "t".repeat(40) };
        const job: ItemInputs = {
            jenkins: j,
            path: "ci/notes-app",
            configXml: jobConfigXml({
                description: "notes-app",
                cloneUrl: `${inCluster}/${GITEA_USER}/notes-app.git`,
                credentialsId: "gitea-credentials",
                branch: "main",
                scriptPath: "Jenkinsfile",
                trigger: { kind: "generic-webhook", tokenCredentialId: cred.credentialId, branchRef: "refs/heads/main" },
            }),
        };
        const hook: HookInputs = { gitea: g, owner: GITEA_USER, repo: "notes-app", url: "http://jenkins.jenkins.svc.cluster.local:8080/generic-webhook-trigger/invoke", events: ["push"], branchFilter: "main", authorizationHeader: `Bearer ${cred.secret}` };

        let t0 = performance.now();
        const appRepo = await giteaRepositoryProvider.create(repo("notes-app"));
        const deployRepo = await giteaRepositoryProvider.create(repo("notes-deploy"));
        const af = await giteaFilesProvider.create(appFiles);
        const df = await giteaFilesProvider.create(deployFiles);
        const f = await jenkinsFolderProvider.create(folder);
        const c = await jenkinsCredentialProvider.create(cred);
        const jb = await jenkinsJobProvider.create(job);
        const h = await giteaWebhookProvider.create(hook);
        const firstMs = performance.now() - t0;
        const first = { gitea: count(gitea.log), jenkins: count(jenkins.log) };
        const [gMark, jMark] = [gitea.log.length, jenkins.log.length];

        t0 = performance.now();
        const diffs = [
            await giteaRepositoryProvider.diff!(appRepo.id, appRepo.outs!, repo("notes-app")),
            await giteaRepositoryProvider.diff!(deployRepo.id, deployRepo.outs!, repo("notes-deploy")),
            await giteaFilesProvider.diff!(af.id, af.outs!, appFiles),
            await giteaFilesProvider.diff!(df.id, df.outs!, deployFiles),
            await jenkinsFolderProvider.diff!(f.id, f.outs!, folder),
            await jenkinsCredentialProvider.diff!(c.id, c.outs!, cred),
            await jenkinsJobProvider.diff!(jb.id, jb.outs!, job),
            await giteaWebhookProvider.diff!(h.id, h.outs!, hook),
        ];
        const rerunMs = performance.now() - t0;
        const rerun = { gitea: count(gitea.log, gMark), jenkins: count(jenkins.log, jMark) };
        const changed = diffs.filter((d) => d.changes).length;

        const line = (what: string, ms: number, x: typeof first) =>
            console.log(
                `seed ${what}: ${ms.toFixed(0)} ms, Gitea ${x.gitea.requests} requests (${x.gitea.writes} writes), Jenkins ${x.jenkins.requests} requests (${x.jenkins.writes} writes)`,
            );
        line(`first converge (8 resources, ${appFiles.files.length + deployFiles.files.length} files)`, firstMs, first);
        line(`re-run (8 diffs, ${changed} with changes)`, rerunMs, rerun);
    } finally {
        await gitea.close();
        await jenkins.close();
    }
}

async function jenkinsWrites(n: number): Promise<void> {
    const jenkins = await startJenkins();
    try {
        const xml = (i: number) => `<project><description>write ${i}</description></project>`;
        jenkins.state.setConfigXml("bench", xml(0));

        let mark = jenkins.log.length;
        let t0 = performance.now();
        const ours = new JenkinsClient({ url: jenkins.url, username: JENKINS_USER, password: JENKINS_PASSWORD });
        for (let i = 1; i <= n; i++) await ours.updateItemConfig("bench", xml(i));
        const oursMs = performance.now() - t0;
        const oursReq = jenkins.log.length - mark;

        mark = jenkins.log.length;
        t0 = performance.now();
        // node-jenkins 1.x: with crumbIssuer (its default) it GETs /crumbIssuer/api/json before every
        // POST and forwards that response's session cookie, so each crumb matches its session.
        const Jenkins = require("jenkins") as new (o: { baseUrl: string; crumbIssuer: boolean }) => { job: { config(name: string, xml: string): Promise<void> } };
        const base = new URL(jenkins.url);
        base.username = JENKINS_USER;
        base.password = JENKINS_PASSWORD;
        const theirs = new Jenkins({ baseUrl: base.toString().replace(/\/$/, ""), crumbIssuer: true });
        for (let i = 1; i <= n; i++) await theirs.job.config("bench", xml(i));
        const theirsMs = performance.now() - t0;
        const theirsReq = jenkins.log.length - mark;

        console.log(
            `jenkins ${n} config writes: ours ${oursReq} requests (${ours.stats.crumbs} crumb, ${oursMs.toFixed(0)} ms) vs node-jenkins ${theirsReq} requests (${theirsMs.toFixed(0)} ms); ratio ${(theirsReq / oursReq).toFixed(2)}x; limit ${n} writes + 1 crumb = ${n + 1}`,
        );
    } finally {
        await jenkins.close();
    }
}

export async function seedBench(): Promise<void> {
    await converge();
    await jenkinsWrites(20);
}
