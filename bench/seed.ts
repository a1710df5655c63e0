// Seed figures: HTTP requests and wall time of a first converge (every seed resource's create) and of
// a re-run (every diff: zero writes expected), against the Gitea emulator and — when its binary is
// built — a real Gitea behind the same recording proxy the tests use (test/support/giteaTargets.ts);
// Jenkins is the emulator. Next to the re-run, the figure of the file-by-file reads GiteaFiles made
// before tracker issue #12 (one GET contents/{path} per file), replayed against the same server. And
// Jenkins requests per N config writes for our JenkinsClient next to the `jenkins` npm client.
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
import { GiteaClient } from "../components/seed/giteaClient";
import { JenkinsClient } from "../components/seed/jenkinsClient";
import { appRepoFiles, deployRepoFiles, jobConfigXml } from "../components/seed/templates";
import { giteaAvailability, GiteaTargetName, openTarget, stopSharedGitea } from "../test/support/giteaTargets";
import { JENKINS_PASSWORD, JENKINS_USER, start as startJenkins } from "../test/support/jenkinsEmulator";

type Log = { method: string; path: string }[];
const count = (log: Log, from = 0) => {
    const xs = log.slice(from);
    return { requests: xs.length, writes: xs.filter((r) => r.method !== "GET").length };
};

function files(record: Record<string, string>, createOnly: string[] = []): FileSpec[] {
    return Object.entries(record).map(([path, content]) => ({ path, content, ...(createOnly.includes(path) ? { createOnly: true } : {}) }));
}

async function converge(kind: GiteaTargetName): Promise<void> {
    const gitea = await openTarget(kind);
    const jenkins = await startJenkins();
    try {
        // The real target gives each run an owner of its own (see giteaTargets.ts openTarget).
        const GITEA_USER = gitea.username;
        const g = { url: gitea.url, username: gitea.username, password: gitea.password };
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
        const rerunLog = gitea.log.slice(gMark);
        const trees = rerunLog.filter((r) => r.path.includes("/git/trees/")).length;

        // The re-run as GiteaFiles did it before #12 (main d0f2602, planFiles: one getFile per desired
        // file), with the same repository and webhook reads, against the same server.
        const bMark = gitea.log.length;
        const bT0 = performance.now();
        const client = new GiteaClient(g);
        await client.getRepo(GITEA_USER, "notes-app");
        await client.getRepo(GITEA_USER, "notes-deploy");
        for (const i of [appFiles, deployFiles]) for (const f of i.files) await client.getFile(i.owner, i.repo, f.path, i.branch);
        await client.getHook(GITEA_USER, "notes-app", h.outs!.hookId);
        const before = count(gitea.log, bMark);
        const beforeMs = performance.now() - bT0;

        const commitsPerRepo = ["notes-app", "notes-deploy"].map((r) => `${r} ${gitea.requests("POST", `/api/v1/repos/${GITEA_USER}/${r}/contents`).length}`).join(", ");
        const what = kind === "emulator" ? `the Gitea emulator (models ${gitea.version})` : `a real Gitea ${gitea.version} (${gitea.server!.binary})`;
        console.log(`seed against ${what}; Jenkins: emulator`);
        console.log(
            `  first converge (8 resources, ${appFiles.files.length + deployFiles.files.length} files): ${firstMs.toFixed(0)} ms, Gitea ${first.gitea.requests} requests (${first.gitea.writes} writes; file commits per repository: ${commitsPerRepo}), Jenkins ${first.jenkins.requests} requests (${first.jenkins.writes} writes)`,
        );
        console.log(
            `  re-run (8 diffs, ${changed} with changes): ${rerunMs.toFixed(0)} ms, Gitea ${rerun.gitea.requests} requests (${rerun.gitea.writes} writes: ${trees} tree reads + ${rerun.gitea.requests - trees} object reads) vs ${before.requests} requests (${beforeMs.toFixed(0)} ms of Gitea reads) before #12 (file by file); Jenkins ${rerun.jenkins.requests} requests (${rerun.jenkins.writes} writes)`,
        );
        const limit = 2 /* trees */ + 3; /* 2 repositories + 1 webhook */
        console.log(`  re-run target: at most ${limit} Gitea requests (one tree per repository + one object per other Gitea resource), 0 writes: ${rerun.gitea.requests <= limit && rerun.gitea.writes === 0 ? "met" : "NOT MET"}`);
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
    await converge("emulator");
    const real = giteaAvailability();
    if (real.ok) {
        try {
            await converge("gitea");
        } finally {
            await stopSharedGitea();
        }
    } else {
        console.log(`seed against a real Gitea: not measured (${real.reason})`);
    }
    await jenkinsWrites(20);
}
