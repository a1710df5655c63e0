// Least privilege for the pipeline (issue #13), over the whole program under mocks: every Secret
// the program puts in the agents namespace (what build Pods can mount) and every credential JCasC
// defines (what any Jenkinsfile can read with withCredentials) is inspected, and none may be — or
// be derived from — an administrator's credential: the Harbor manager (registry.username/password),
// the Gitea site admin, the Jenkins admin.
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { MINIMAL, REGISTRY_PASSWORD, SECRET_KEYS, devStackConfig } from "./support/fixtures";
import { ProgramRun, RecordedResource, runProgram } from "./support/mocks";

const SECRET = "kubernetes:core/v1:Secret";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/** One credential as the pipeline would see it: where it lives, a user name if any, every secret value. */
interface Credential {
    readonly where: string;
    readonly username?: string;
    readonly secrets: readonly string[];
}

const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

/** A Secret's values, decoded: `data` is base64, `stringData` plain. */
function secretValues(r: RecordedResource): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries((r.inputs.data ?? {}) as Record<string, string>)) out[k] = unb64(v);
    for (const [k, v] of Object.entries((r.inputs.stringData ?? {}) as Record<string, string>)) out[k] = v;
    return out;
}

/** Every credential in the Secrets of `namespace`; a dockerconfigjson is opened up to its auths. */
function namespaceCredentials(run: ProgramRun, namespace: string): Credential[] {
    const out: Credential[] = [];
    for (const s of run.recorder.ofType(SECRET).filter((x) => x.inputs.metadata?.namespace === namespace)) {
        const values = secretValues(s);
        const where = `Secret ${namespace}/${s.inputs.metadata.name}`;
        if (s.inputs.type === "kubernetes.io/dockerconfigjson") {
            const doc = JSON.parse(values[".dockerconfigjson"]!) as { auths: Record<string, { username: string; password: string; auth: string }> };
            for (const [server, a] of Object.entries(doc.auths)) out.push({ where: `${where} (${server})`, username: a.username, secrets: [a.password, a.auth, unb64(a.auth)] });
        } else {
            out.push({ where, username: values.username, secrets: Object.values(values) });
        }
    }
    return out;
}

/**
 * Every credential the JCasC configScripts of the Jenkins release define, with their `${file}`
 * references resolved the way the chart and JCasC do: controller.additionalExistingSecrets projects
 * Secret key K of S as /run/secrets/additional/S-K, which JCasC reads for `${S-K}`.
 */
function jcascCredentials(run: ProgramRun): Credential[] {
    const release = run.recorder.one(RELEASE, (r) => r.inputs.chart === "jenkins");
    const controller = release.inputs.values.controller as { JCasC: { configScripts: Record<string, string> }; additionalExistingSecrets: { name: string; keyName: string }[] };
    const files: Record<string, string> = {};
    for (const { name, keyName } of controller.additionalExistingSecrets) {
        const s = run.recorder.one(SECRET, (x) => x.inputs.metadata?.name === name && x.inputs.metadata?.namespace === release.inputs.namespace);
        files[`${name}-${keyName}`] = secretValues(s)[keyName]!;
    }
    const resolve = (v: unknown): string => String(v).replace(/(\^?)\$\{([^}]*)\}/g, (_, esc: string, key: string) => (esc ? `\${${key}}` : (files[key] ?? assert.fail(`JCasC cannot resolve \${${key}}`))));
    const out: Credential[] = [];
    for (const [script, text] of Object.entries(controller.JCasC.configScripts)) {
        // The chart passes each script through Helm `tpl`: `{{ "{{" }}` is a literal `{{`.
        const doc = parse(text.replace(/\{\{ "\{\{" \}\}/g, "{{")) as { credentials?: { system?: { domainCredentials?: { credentials?: Record<string, Record<string, unknown>>[] }[] } } };
        for (const domain of doc.credentials?.system?.domainCredentials ?? []) {
            for (const entry of domain.credentials ?? []) {
                for (const [kind, fields] of Object.entries(entry)) {
                    const secretFields = ["password", "secret", "privateKey", "passphrase", "token"].filter((f) => f in fields);
                    out.push({
                        where: `JCasC ${script}: ${kind} ${String(fields.id)}`,
                        ...(fields.username !== undefined ? { username: resolve(fields.username) } : {}),
                        secrets: secretFields.map((f) => resolve(fields[f])),
                    });
                }
            }
        }
    }
    return out;
}

interface Admin {
    readonly who: string;
    readonly username: string;
    readonly password: string;
}

/** What makes a credential an administrator's: the admin's name as its user, or the admin's password in (or base64'd into) any value. */
function adminFindings(creds: readonly Credential[], admins: readonly Admin[]): string[] {
    const out: string[] = [];
    for (const c of creds) {
        for (const a of admins) {
            if (c.username !== undefined && c.username.toLowerCase() === a.username.toLowerCase()) out.push(`${c.where}: user ${c.username} is the ${a.who}`);
            const derived = [a.password, Buffer.from(a.password).toString("base64"), Buffer.from(`${a.username}:${a.password}`).toString("base64")];
            if (c.secrets.some((s) => derived.some((d) => s.includes(d)))) out.push(`${c.where}: holds the ${a.who}'s password`);
        }
    }
    return out;
}

async function inspect(config: Record<string, string>) {
    const run = await runProgram(config, {
        secretKeys: SECRET_KEYS,
        stateHook: (a) => (a.type === "pulumi-nodejs:dynamic/seed:GiteaRepository" ? { owner: "gitea-admin" } : undefined),
    });
    if (run.error) throw run.error;
    const o = run.outputs!;
    const admins: Admin[] = [
        { who: "Harbor manager (registry.username)", username: config["registry.username"] ?? "admin", password: config["registry.password"] ?? "unset-registry-password" },
        { who: "Gitea site admin", username: o.giteaAdminUsername as string, password: o.giteaAdminPassword as string },
        { who: "Jenkins admin", username: o.jenkinsAdminUsername as string, password: o.jenkinsAdminPassword as string },
    ];
    const agents = namespaceCredentials(run, o.agentNamespace as string);
    const jcasc = jcascCredentials(run);
    return { run, admins, agents, jcasc };
}

describe("least privilege: no admin credential where builds can reach it", () => {
    it("the dev stack: the agents namespace holds only the robot, JCasC only the Gitea bot's token", async () => {
        const { agents, jcasc, admins } = await inspect(devStackConfig());
        // Not vacuous: the credentials the pipeline uses are found, and they are the least-privilege ones.
        assert.deepEqual(agents.map((c) => [c.where, c.username]), [["Secret jenkins-agents/harbor-auth (10.0.24.28:30002)", "robot$bootcamp+ci-stack"]]);
        assert.deepEqual(agents[0]!.secrets.slice(0, 1), ["mock-harbor-auth-robot-secret"]);
        assert.deepEqual(jcasc.map((c) => [c.where, c.username, c.secrets]), [["JCasC credentials: usernamePassword gitea-credentials", "jenkins-bot", ["mock-gitea-bot-token-value"]]]);
        assert.deepEqual(adminFindings([...agents, ...jcasc], admins), []);
    });

    it("holds with every admin password configured, and with a pre-made robot", async () => {
        const configured = await inspect({ ...MINIMAL, "gitea.adminPassword": "Gitea-Adm1n-Set", "jenkins.adminPassword": "Jenkins-Adm1n-Set" });
        assert.equal(configured.admins[1]!.password, "Gitea-Adm1n-Set");
        assert.deepEqual(adminFindings([...configured.agents, ...configured.jcasc], configured.admins), []);

        const premade: Record<string, string> = { ...MINIMAL, "registry.robotName": "robot$bootcamp+ci", "registry.robotSecret": "Premade-Robot-1" };
        delete premade["registry.password"];
        const p = await inspect(premade);
        assert.equal(p.agents[0]!.username, "robot$bootcamp+ci");
        assert.deepEqual(adminFindings([...p.agents, ...p.jcasc], p.admins), []);
    });

    it("would catch the old wiring: an admin's name or password in either place is a finding", async () => {
        const { agents, jcasc, admins } = await inspect({ ...MINIMAL });
        const harborAdmin: Credential = { where: "Secret jenkins-agents/harbor-auth (old)", username: "admin", secrets: [REGISTRY_PASSWORD, Buffer.from(`admin:${REGISTRY_PASSWORD}`).toString("base64")] };
        assert.deepEqual(adminFindings([harborAdmin], admins), [
            "Secret jenkins-agents/harbor-auth (old): user admin is the Harbor manager (registry.username)",
            "Secret jenkins-agents/harbor-auth (old): holds the Harbor manager (registry.username)'s password",
            "Secret jenkins-agents/harbor-auth (old): user admin is the Jenkins admin",
        ]);
        const giteaAdmin = { ...jcasc[0]!, username: admins[1]!.username, secrets: [admins[1]!.password] };
        assert.equal(adminFindings([giteaAdmin], admins).length, 2);
        assert.equal(adminFindings([{ ...agents[0]!, secrets: [`x${Buffer.from(admins[2]!.password).toString("base64")}x`] }], admins).length, 1, "derived (base64) counts");
    });
});
