// The smoke run's pure parts: the push payload and delivery headers (as Gitea builds them), the
// result line and its parser, the triggers' content digests, the target table, the image tag.
import * as assert from "node:assert/strict";
import { imageTag } from "../../components/smoke/run";
import { deliveryHeaders, pushPayload, type PayloadCommit, type PayloadRepository } from "../../components/smoke/payload";
import { parseSmokeOutput } from "../../components/smoke/smoke";
import { contentDigests } from "../../components/seed/seed";
import { readTarget, TARGET_FIELDS, targetSecrets } from "../../components/smoke/target";
import { appRepoFiles } from "../../components/seed/templates";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const repository: PayloadRepository & { description: string } = {
    id: 7,
    name: "notes-app",
    full_name: "gitea-admin/notes-app",
    owner: { login: "gitea-admin" },
    private: true,
    html_url: "http://10.0.24.28:30022/gitea-admin/notes-app",
    clone_url: "http://10.0.24.28:30022/gitea-admin/notes-app.git",
    default_branch: "main",
    description: "not carried",
};
const head: PayloadCommit = {
    id: SHA,
    message: "Seed notes-app\n",
    url: `http://10.0.24.28:30022/gitea-admin/notes-app/commit/${SHA}`,
    author: { name: "gitea-admin", email: "gitea-admin@local", username: "gitea-admin" },
    committer: { name: "gitea-admin", email: "gitea-admin@local", username: "gitea-admin" },
    timestamp: "2026-01-05T10:00:00Z",
};
const LINE = { buildUrl: "http://10.0.24.28:30808/job/ci/job/notes-app/3/", result: "SUCCESS", commit: SHA, image: "10.0.24.28:30002/bootcamp/notes-app:01234567", digest: `sha256:${"b".repeat(64)}`, seconds: 118.4, queueSeconds: 5.1 };

describe("smoke builders", () => {
    describe("pushPayload: Gitea's PushPayload (modules/structs/hook.go) as its test delivery builds it", () => {
        it("carries exactly PushPayload's fields; before == after == the head, which is the one commit and head_commit", () => {
            const p = pushPayload({ branch: "main", repository, head, sender: "jenkins-bot" });
            assert.deepEqual(Object.keys(p), ["ref", "before", "after", "compare_url", "commits", "total_commits", "head_commit", "repository", "pusher", "sender"]);
            assert.equal(p.ref, "refs/heads/main");
            assert.equal(p.before, SHA);
            assert.equal(p.after, SHA);
            assert.deepEqual(p.commits, [head]);
            assert.equal(p.total_commits, 1);
            assert.equal(p.head_commit, head);
            assert.equal(p.compare_url, `http://10.0.24.28:30022/gitea-admin/notes-app/compare/${SHA}...${SHA}`);
            assert.deepEqual(p.repository, { id: 7, name: "notes-app", full_name: "gitea-admin/notes-app", owner: { login: "gitea-admin" }, private: true, html_url: repository.html_url, clone_url: repository.clone_url, default_branch: "main" });
            assert.deepEqual(p.sender, { login: "jenkins-bot", username: "jenkins-bot" });
        });

        it("builds the ref from the branch (a release branch keeps its slashes)", () => {
            assert.equal(pushPayload({ branch: "release/2025.12", repository, head, sender: "x" }).ref, "refs/heads/release/2025.12");
        });

        it("refuses a head id that is not an object id", () => {
            assert.throws(() => pushPayload({ branch: "main", repository, head: { ...head, id: "main" }, sender: "x" }), /"main" is not a SHA-1 or SHA-256 object id/);
        });

        it("delivery headers are services/webhook/deliver.go's, one delivery id throughout, no Authorization (the client adds the token)", () => {
            const h = deliveryHeaders("d-1");
            assert.equal(h["X-Gitea-Event"], "push");
            assert.equal(h["X-Gitea-Event-Type"], "push");
            assert.deepEqual([h["X-Gitea-Delivery"], h["X-Gogs-Delivery"], h["X-GitHub-Delivery"]], ["d-1", "d-1", "d-1"]);
            assert.equal(h["Content-Type"], "application/json");
            assert.ok(!Object.keys(h).some((k) => /authorization/i.test(k)));
        });
    });

    describe("the image tag", () => {
        it("is the first 8 hex of the commit, as the Jenkinsfile's Version stage cuts it and Kaniko pushes it", () => {
            assert.equal(imageTag(SHA), "01234567");
            const jenkinsfile = appRepoFiles({
                registry: { server: "10.0.24.28:30002", project: "bootcamp", insecure: false, secretName: "harbor-auth" },
                imageName: "notes-app",
                images: { kaniko: "gcr.io/kaniko-project/executor:v1.23.2-debug", agent: "jenkins/inbound-agent:3385.vf1123fb_515da_-1", build: "maven:3.9.11-eclipse-temurin-21" },
                agentResources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } },
                agentNamespace: "jenkins-agents",
                workspaceClaimName: "agent-workspace",
                cacheClaimName: "agent-cache",
                deployRepoCloneUrl: "http://gitea-http.gitea.svc:3000/gitea-admin/notes-deploy.git",
                gitCredentialsId: "gitea-credentials",
                branch: "main",
            }).Jenkinsfile!;
            assert.match(jenkinsfile, /env\.SHORT_SHA = sh\(script: 'git rev-parse HEAD \| cut -c1-8'/);
            assert.match(jenkinsfile, /--destination="\$IMAGE_REPO:\$SHORT_SHA"/);
        });
    });

    describe("contentDigests (the command's triggers)", () => {
        const files = [
            { path: "pom.xml", content: "<project/>" },
            { path: "Jenkinsfile", content: "pipeline {}" },
        ];
        it("is one `<path> sha256:<hex>` per file, sorted by path, independent of input order", () => {
            const d = contentDigests(files);
            assert.deepEqual(d.map((x) => x.split(" ")[0]), ["Jenkinsfile", "pom.xml"]);
            assert.match(d[0]!, /^Jenkinsfile sha256:[0-9a-f]{64}$/);
            assert.deepEqual(contentDigests([...files].reverse()), d);
        });
        it("changes with a file's content and with its path, nothing else", () => {
            const d = contentDigests(files);
            assert.notDeepEqual(contentDigests([{ ...files[0]!, content: "<project></project>" }, files[1]!]), d);
            assert.notDeepEqual(contentDigests([{ ...files[0]!, path: "app/pom.xml" }, files[1]!]), d);
            assert.deepEqual(contentDigests(files.map((f) => ({ ...f }))), d);
        });
    });

    describe("parseSmokeOutput", () => {
        it("reads the last non-empty line", () => {
            assert.deepEqual(parseSmokeOutput(`noise\n${JSON.stringify(LINE)}\n\n`), LINE);
        });
        const bad: [string, string, RegExp][] = [
            ["nothing", "", /printed no result line/],
            ["not JSON", "Finished: SUCCESS", /last line is not JSON: Finished: SUCCESS/],
            ["no digest", JSON.stringify({ ...LINE, digest: undefined }), /digest must be a non-empty string/],
            ["a tag for a digest", JSON.stringify({ ...LINE, digest: "latest" }), /digest must be sha256:<64 hex>/],
            ["seconds as a string", JSON.stringify({ ...LINE, seconds: "118" }), /seconds must be a number ≥ 0/],
            ["negative queue time", JSON.stringify({ ...LINE, queueSeconds: -1 }), /queueSeconds must be a number ≥ 0/],
        ];
        for (const [what, stdout, re] of bad) it(`refuses ${what}`, () => assert.throws(() => parseSmokeOutput(stdout), re));
    });

    describe("the target table", () => {
        const env: Record<string, string> = Object.fromEntries(TARGET_FIELDS.map((f) => [f.env, f.key === "timeoutSeconds" ? "900" : `v-${f.key}`]));
        it("reads every field from its environment variable; the secrets are exactly the four credentials", () => {
            const t = readTarget((f) => env[f.env], "environment");
            assert.equal(t.jenkinsUrl, "v-jenkinsUrl");
            assert.deepEqual(TARGET_FIELDS.filter((f) => f.secret).map((f) => f.key), ["giteaPassword", "jenkinsPassword", "webhookToken", "harborPassword"]);
            assert.deepEqual(targetSecrets(t), ["v-giteaPassword", "v-jenkinsPassword", "v-webhookToken", "v-harborPassword"]);
            assert.equal(new Set(TARGET_FIELDS.map((f) => f.env)).size, TARGET_FIELDS.length);
            assert.ok(TARGET_FIELDS.every((f) => /^SMOKE_[A-Z_]+$/.test(f.env)));
        });
        it("names every missing variable at once, and a bad timeout", () => {
            const { SMOKE_JOB: _j, SMOKE_WEBHOOK_TOKEN: _t, ...partial } = env;
            assert.throws(() => readTarget((f) => partial[f.env], "environment"), /^Error: smoke: missing from the environment: SMOKE_JOB, SMOKE_WEBHOOK_TOKEN$/);
            assert.throws(() => readTarget((f) => ({ ...env, SMOKE_TIMEOUT_SECONDS: "soon" })[f.env], "environment"), /SMOKE_TIMEOUT_SECONDS must be a positive integer \(got "soon"\)/);
        });
    });
});
