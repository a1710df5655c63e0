// Scenarios 4, 5 and 6 of issue #10 §3: drift behind the program's back, secret rotation, destroy.
import { textOf, type E2EContext } from "./context";
import { expectedFate, readDestroyTable, rowFor, TABLE_FILE } from "./destroyTable";
import { apiPath, type KObject } from "./kube";
import type { GiteaApi, JenkinsApi } from "./peerApi";
import { podEnv, podSecretFile, type Pod } from "./peers";
import { changes, parsePreviewJson, tail } from "./pulumi";
import { expectNoChanges } from "./scenarios";
import type { Checks, Scenario } from "./scenario";
import { k8sRefOf, nameOf, text, type StateResource } from "./state";

export const repoOf = (url: unknown): [string, string] => {
    const m = /\/([^/]+)\/([^/]+?)\.git$/.exec(String(url));
    return [m?.[1] ?? "", m?.[2] ?? ""];
};
export const jobOf = (url: unknown): string =>
    new URL(String(url)).pathname.split("/").filter((s, i) => s !== "" && i % 2 === 0).map(decodeURIComponent).join("/");

/** Resources whose recorded outputs differ between two exports (resourceVersion and managedFields ignored). */
function changedBetween(before: readonly StateResource[], after: readonly StateResource[]): string[] {
    const norm = (r: StateResource | undefined): string => {
        const o = JSON.parse(JSON.stringify(r?.outputs ?? {})) as { metadata?: Record<string, unknown> };
        if (o.metadata) {
            delete o.metadata.resourceVersion;
            delete o.metadata.managedFields;
        }
        return JSON.stringify(o);
    };
    return after.filter((a) => norm(a) !== norm(before.find((b) => b.urn === a.urn))).map((a) => `${a.type}::${nameOf(a)}`);
}

interface SecretObj extends KObject {
    data?: Record<string, string>;
}

export const drift: Scenario<E2EContext> = {
    id: "4-drift",
    title: "drift: a seeded file, the job config and a Secret changed behind the program's back",
    needs: ["2-up"],
    async run(ctx, checks) {
        const out = await ctx.cli.outputs(ctx.stack);
        const gitea = await ctx.giteaApi();
        const jenkins = await ctx.jenkinsApi();
        const branch = ctx.config["seed.branch"]?.value ?? "main";
        const [owner, app] = repoOf(out.appCloneUrl);
        const job = jobOf(out.jobUrl);
        const secretPath = apiPath("v1", "secrets", String(out.agentNamespace), String(out.registrySecretName));

        const file = await gitea.file(owner, app, "Jenkinsfile", branch);
        const jobXml = await jenkins.configXml(job);
        const secret = await ctx.kube.get<SecretObj>(secretPath);
        if (!file || !jobXml) throw new Error("the seeded Jenkinsfile or job is missing; scenario 2 should have caught it");
        await gitea.updateFile(owner, app, branch, "Jenkinsfile", `${file.text}// edited by hand\n`, file.sha);
        await jenkins.postConfigXml(job, jobXml.replace(/<description>[\s\S]*?<\/description>|<description\/>/, "<description>edited by hand</description>"));
        const forged = Buffer.from(JSON.stringify({ auths: { "drift.example:5000": { username: "x", password: "y", auth: "eDp5" } } })).toString("base64");
        await ctx.kube.mergePatch(secretPath, { data: { ".dockerconfigjson": forged } });

        const before = await ctx.cli.resources(ctx.stack);
        const rf = await ctx.engine(["refresh", "--yes"], { figure: "refreshAfterDrift" });
        checks.eq("pulumi refresh exits 0", rf.code, 0);
        const after = await ctx.cli.resources(ctx.stack);
        const refreshed = changedBetween(before, after).sort();
        const expected = ["GiteaFiles", "JenkinsJob", "kubernetes:core/v1:Secret"];
        checks.ok(`refresh records exactly the three drifted objects (${refreshed.length} changed)`, refreshed.length === 3 && expected.every((e) => refreshed.some((r) => r.includes(e))), `changed in state: ${JSON.stringify(refreshed)}\nrefresh output:\n${tail(textOf(rf), 20)}`);

        const p = await ctx.engine(["preview", "--json"], { figure: "previewAfterDrift" });
        const steps = changes(parsePreviewJson(p.stdout));
        const planned = steps.map((s) => `${s.op} ${s.newState?.type ?? s.oldState?.type ?? ""}::${nameOf(s)}`).sort();
        // A Secret's data change is a replacement unless the provider runs with enableSecretMutable
        // (pulumi-kubernetes provider/pkg/provider/diff.go forceNewProperties): "update" or "replace".
        checks.ok(
            `preview plans a change to exactly the three drifted objects (${planned.length})`,
            planned.length === 3 && planned.every((s) => /^(update|replace) /.test(s)) && expected.every((e) => planned.some((s) => s.includes(e))),
            JSON.stringify(planned),
        );
        const secretStep = steps.find((s) => (s.newState?.type ?? s.oldState?.type) === "kubernetes:core/v1:Secret");
        if (secretStep?.op === "replace") {
            ctx.finding(
                "4-drift",
                "every data change of a Secret is a delete-and-recreate (replace), not an update",
                `pulumi preview after the registry Secret's data drifted plans "replace ${nameOf(secretStep)}" (detailedDiff ${JSON.stringify(secretStep.detailedDiff ?? {})}). ` +
                    "pulumi-kubernetes 4.25 provider/pkg/provider/diff.go forceNewProperties makes .data/.stringData/.type of a Secret force-new unless the " +
                    "provider is configured with enableSecretMutable (kubernetes:enableSecretMutable / PULUMI_K8S_ENABLE_SECRET_MUTABLE). With a fixed " +
                    "metadata.name the replacement is delete-before-replace: the Secret is briefly absent (an agent Pod starting then fails to mount " +
                    "harbor-auth), and for a Secret with retainOnDelete the delete is skipped and the re-create conflicts (see 5-rotation).",
            );
        }

        const up = await ctx.engine(["up", "--yes"], { figure: "upAfterDrift" });
        checks.eq("pulumi up exits 0", up.code, 0);
        let byHand = false;
        if (up.code !== 0 && /Server-Side Apply field conflict/.test(textOf(up))) {
            byHand = true;
            const conflict = /The resource managed by field manager[^\n]*/.exec(textOf(up))?.[0] ?? "";
            // Found by this scenario (issue #10) and fixed by pulumi.com/patchForce on every Secret the
            // program writes (components/namespaces.ts OWNED_SECRET_ANNOTATIONS): a conflict again is a
            // regression, already failed above by "pulumi up exits 0".
            ctx.log(`    REGRESSION: pulumi up lost to the kubectl edit of the registry Secret (${conflict.trim()}); is patchForce still on it?`);
            // Put the value back by hand (same value: no conflict any more) so the scenarios after this one
            // run on a stack that converges, then let up restore the rest.
            await ctx.kube.mergePatch(secretPath, { data: { ".dockerconfigjson": secret.data?.[".dockerconfigjson"] } });
            const again = await ctx.engine(["up", "--yes"], { figure: "upAfterDriftRetry" });
            ctx.log(`    after restoring the Secret by hand: pulumi up exit ${again.code}`);
        }
        checks.eq("the Jenkinsfile is restored", (await gitea.file(owner, app, "Jenkinsfile", branch))?.text, file.text);
        checks.ok("the job's description is restored", !(await jenkins.configXml(job))?.includes("edited by hand"));
        const restored = await ctx.kube.get<SecretObj>(secretPath);
        if (byHand) ctx.log("    (the registry Secret was put back by hand above: not counted as restored by up)");
        else checks.eq("the registry Secret is restored", restored.data?.[".dockerconfigjson"], secret.data?.[".dockerconfigjson"]);
        await expectNoChanges(ctx, checks, "rerunAfterDrift");
    },
};

async function loginWorks(api: GiteaApi | JenkinsApi, user: string, password: string, path: string): Promise<boolean> {
    return (await api.get(path, { user, password })).status === 200;
}

export const rotation: Scenario<E2EContext> = {
    id: "5-rotation",
    title: "rotation of jenkins.adminPassword, gitea.adminPassword, registry.password",
    needs: ["2-up"],
    async run(ctx, checks) {
        const out = await ctx.cli.outputs(ctx.stack);
        const oldGitea = String(out.giteaAdminPassword);
        const oldJenkins = String(out.jenkinsAdminPassword);
        const prev = { ...ctx.config };
        const stamp = Date.now().toString(36);
        const next = { gitea: `GiteaRot${stamp}x9Q`, jenkins: `JenkinsRot${stamp}x7W`, registry: `HarborRot${stamp}x5E` };
        const gUser = String(out.giteaAdminUsername);
        const jUser = String(out.jenkinsAdminUsername);
        const gitea = await ctx.giteaApi();
        const jenkins = await ctx.jenkinsApi();
        const registryUser = ctx.config["registry.username"]?.value ?? "admin";
        try {
            // Harbor is outside the stack: the operator changes the password there first.
            ctx.harbor?.setPassword(registryUser, next.registry);
            await ctx.setConfig({
                "gitea.adminPassword": { value: next.gitea, secret: true },
                "jenkins.adminPassword": { value: next.jenkins, secret: true },
                "registry.password": { value: next.registry, secret: true },
            });
            const r = await ctx.engine(["up", "--yes"], { figure: "upRotation" });
            checks.eq("pulumi up after the rotation exits 0", r.code, 0);
            if (r.code !== 0) {
                const errors = [...new Set(textOf(r).split("\n").map((l) => l.trim()).filter((l) => /^error: /.test(l)))];
                ctx.finding("5-rotation", "pulumi up fails after rotating the admin passwords", `pulumi up (after config set --secret of the three passwords) exit ${r.code}:\n${errors.join("\n")}`);
            }
            await ctx.settlePeers();

            const pods = async (ns: string): Promise<Pod[]> => (await ctx.kube.list<Pod>(apiPath("v1", "pods", ns))).filter((p) => !p.metadata.deletionTimestamp);
            const giteaPods = await pods(String(out.giteaNamespace));
            const jenkinsPods = await pods(String(out.jenkinsNamespace));
            const giteaEnv = await Promise.all(giteaPods.map((p) => podEnv(ctx.kube, p, "GITEA_ADMIN_PASSWORD")));
            checks.ok("the Gitea Pod's admin Secret holds the new password", giteaEnv.includes(next.gitea), `resolved: ${giteaEnv.filter((x) => x !== undefined).length} values`);
            const jenkinsFile = await Promise.all(jenkinsPods.map((p) => podSecretFile(ctx.kube, p, "chart-admin-password")));
            checks.ok("the Jenkins Pod's admin Secret holds the new password", jenkinsFile.includes(next.jenkins));
            const reg = await ctx.kube.get<SecretObj>(apiPath("v1", "secrets", String(out.agentNamespace), String(out.registrySecretName)));
            const regDoc = Buffer.from(reg.data?.[".dockerconfigjson"] ?? "", "base64").toString("utf8");
            checks.ok("the registry Secret no longer holds the old registry password", !regDoc.includes(`"${prev["registry.password"]?.value ?? ""}"`));

            if (ctx.harbor) {
                const h = ctx.figures.upRotation?.harbor;
                checks.ok("the program talked to Harbor with the new password (no 401 left unanswered)", r.code === 0 && (h?.total ?? 0) > 0, JSON.stringify(h));
            }
            checks.ok("Gitea (the running server) accepts the new admin password", await loginWorks(gitea, gUser, next.gitea, "/user"));
            checks.ok("Gitea refuses the old admin password", !(await loginWorks(gitea, gUser, oldGitea, "/user")));
            checks.ok("Jenkins (the running server) accepts the new admin password", await loginWorks(jenkins, jUser, next.jenkins, "/api/json"));
            checks.ok("Jenkins refuses the old admin password", !(await loginWorks(jenkins, jUser, oldJenkins, "/api/json")));
            await expectNoChanges(ctx, checks, "rerunAfterRotation");
        } finally {
            if (checks.failed.length) {
                // Put the old passwords back so the scenarios after this one run on a working stack.
                ctx.log("    restoring the previous passwords after the failed rotation");
                for (const k of ["gitea.adminPassword", "jenkins.adminPassword"]) {
                    const v = prev[k];
                    if (v) await ctx.setConfig({ [k]: v });
                    else {
                        await ctx.cli.rmConfig(ctx.stack, k);
                        delete ctx.config[k];
                    }
                }
                await ctx.setConfig({ "registry.password": prev["registry.password"]! });
                ctx.harbor?.setPassword(registryUser, prev["registry.password"]!.value);
                const back = await ctx.engine(["up", "--yes"]);
                ctx.log(`    restore: pulumi up exited ${back.code}`);
            }
        }
    },
};

/** Whether what a recorded resource stands for still exists (API server or peer); undefined when not checkable. */
async function exists(ctx: E2EContext, r: StateResource, gitea: GiteaApi, jenkins: JenkinsApi): Promise<boolean | undefined> {
    const ref = k8sRefOf(r);
    if (ref) {
        const live = await ctx.discovery.find(ref);
        return live !== undefined && !live.metadata.deletionTimestamp;
    }
    const o = r.outputs ?? {};
    const kind = r.type.slice(r.type.lastIndexOf(":") + 1);
    if (r.type === "kubernetes:helm.sh/v3:Release") {
        // Helm 3 keeps a release as Secrets labelled owner=helm,name=<release> in its namespace.
        const st = (o.status ?? {}) as { name?: string; namespace?: string };
        const q = encodeURIComponent(`owner=helm,name=${st.name ?? text(o.name)}`);
        const records = await ctx.kube.list(`${apiPath("v1", "secrets", st.namespace ?? text(o.namespace))}?labelSelector=${q}`);
        return records.some((x) => x.metadata.labels?.status === "deployed");
    }
    switch (kind) {
        case "GiteaRepository":
            return (await gitea.repo(String(o.owner), String(o.name))) !== undefined;
        case "GiteaFiles": {
            const files = (o.files as { path: string }[] | undefined) ?? [];
            const f = files[0];
            return f ? (await gitea.file(String(o.owner), String(o.repo), f.path, text(o.branch ?? "main"))) !== undefined : undefined;
        }
        case "GiteaWebhook":
            return (await gitea.hooks(String(o.owner), String(o.repo))).some((h) => h.id === Number(o.hookId));
        case "JenkinsFolder":
        case "JenkinsJob":
            return (await jenkins.configXml(String(o.path))) !== undefined;
        case "JenkinsCredential":
            return (await jenkins.credential(String(o.folder), String(o.credentialId))) !== undefined;
        default:
            return undefined;
    }
}

/**
 * Every checkable resource of `before` after a destroy: "all-kept" (a refused destroy removes nothing),
 * or each resource's row of docs/destroy.md under the stack's current config; without that file, the
 * generic expectations of docs/seed.md and docs/storage.md (repositories and their files kept, all else
 * removed once retention is off).
 */
async function checkFates(ctx: E2EContext, checks: Checks, before: readonly StateResource[], phase: string, mode: "all-kept" | "table"): Promise<void> {
    const rows = readDestroyTable(ctx.repo);
    const direct = mode === "table";
    const gitea = await ctx.giteaApi(direct);
    const jenkins = await ctx.jenkinsApi(direct);
    const cfg = Object.fromEntries(Object.entries(ctx.config).map(([k, v]) => [k, v.value]));
    for (const r of before) {
        const there = await exists(ctx, r, gitea, jenkins);
        if (there === undefined) continue;
        const kind = r.type.slice(r.type.lastIndexOf(":") + 1);
        const label = `${phase}: ${kind} ${nameOf(r)}`;
        if (mode === "all-kept") {
            checks.ok(`${label} still there`, there);
        } else if (!rows) {
            const kept = kind === "GiteaRepository" || kind === "GiteaFiles";
            checks.ok(`${label} ${kept ? "kept" : "removed"} (docs/seed.md, docs/storage.md)`, there === kept, `it is ${there ? "still there" : "gone"}`);
        } else {
            const row = rowFor(rows, r.type, nameOf(r));
            if (!checks.ok(`${label} is in ${TABLE_FILE}`, row !== undefined, `no row for ${r.type} ${nameOf(r)}`)) continue;
            const fate = expectedFate(row!, cfg, (r.outputs as { adopted?: boolean } | undefined)?.adopted === true);
            checks.ok(`${label} ${fate.removed ? "removed" : "kept"} as the table says`, there !== fate.removed, `it is ${there ? "still there" : "gone"}`);
        }
    }
}

export const destroy: Scenario<E2EContext> = {
    id: "6-destroy",
    title: "pulumi destroy: stops on protected resources; with protection and retention off it completes",
    needs: ["2-up"],
    async run(ctx, checks) {
        if (!readDestroyTable(ctx.repo)) ctx.log(`    (${TABLE_FILE} is not in this checkout: checking the generic expectations of docs/storage.md and docs/seed.md)`);
        const before = await ctx.cli.resources(ctx.stack);
        checks.ok("the stack has protected resources (storage.protect defaults to true)", before.some((r) => r.protect));

        const a = await ctx.engine(["destroy", "--yes"], { figure: "destroyProtected" });
        checks.ok("destroy with protected resources exits non-zero", a.code !== 0, `exit ${a.code}`);
        checks.ok("the error names protection", /protect/i.test(textOf(a)), tail(textOf(a), 20));
        await checkFates(ctx, checks, before, "after the refused destroy", "all-kept");
        checks.eq("the refused destroy leaves every resource recorded", (await ctx.cli.resources(ctx.stack)).length, before.length);

        if (readDestroyTable(ctx.repo)) {
            // The table's default column, for real: everything but the protected resources (and what
            // they depend on) goes; "kept" ones stay in the cluster.
            const b = await ctx.engine(["destroy", "--yes", "--exclude-protected"], { figure: "destroyExcludeProtected" });
            checks.eq("destroy --exclude-protected exits 0", b.code, 0);
            const left = await ctx.cli.resources(ctx.stack);
            checks.ok("the protected resources are still in the stack", before.filter((r) => r.protect).every((r) => left.some((x) => x.urn === r.urn)));
            await checkFates(ctx, checks, before, "after destroy --exclude-protected (defaults)", "table");
        }

        await ctx.setConfig({ "storage.protect": { value: "false" }, "storage.retainOnDelete": { value: "false" } });
        const up = await ctx.engine(["up", "--yes"], { figure: "upUnprotect" });
        checks.eq("pulumi up with protection and retention off exits 0", up.code, 0);
        const unprotected = await ctx.cli.resources(ctx.stack);
        checks.eq("no resource is protected any more", unprotected.filter((r) => r.protect).map(nameOf), []);
        const outputs = await ctx.cli.outputs(ctx.stack);
        const d = await ctx.engine(["destroy", "--yes"], { figure: "destroy" });
        checks.eq("pulumi destroy exits 0", d.code, 0);
        if (d.code !== 0) ctx.log(tail(textOf(d), 30));
        checks.eq("the stack holds no resources", (await ctx.cli.resources(ctx.stack)).map(nameOf), []);
        ctx.outputsOverride = outputs;
        try {
            await checkFates(ctx, checks, unprotected, "after destroy", "table");
        } finally {
            ctx.outputsOverride = undefined;
        }
    },
};
