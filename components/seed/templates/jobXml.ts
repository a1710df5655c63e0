// Jenkins item config.xml for the seeded pipeline job and its folder: built, parsed back and
// normalised with fast-xml-parser, so escaping is the library's job and drift detection compares
// meaning rather than bytes.
//
// Element names follow the XStream form Jenkins itself writes for each class (field names, list
// items named by class), checked against the plugin sources:
//  - workflow-job WorkflowJob: actions, description, keepDependencies, properties, definition,
//    triggers, disabled.
//  - workflow-cps CpsScmFlowDefinition: scm, scriptPath, lightweight.
//  - git GitSCM: configVersion, userRemoteConfigs/UserRemoteConfig(url, credentialsId),
//    branches/BranchSpec(name), extensions.
//  - generic-webhook-trigger GenericTrigger (2.4.x, src/main/java/org/jenkinsci/plugins/gwt/GenericTrigger.java
//    fields, lines 34-47; GenericVariable.java lines 24-28).
import { XMLBuilder, XMLParser } from "fast-xml-parser";

/** What the seeded pipeline job is; `jobConfigXml` renders it, `parseJobConfigXml` reads it back. */
export interface JobSpec {
    readonly description: string;
    /** In-cluster clone URL of the app repository (no credentials in it: they come from `credentialsId`). */
    readonly cloneUrl: string;
    /** Jenkins credential used for the checkout (usernamePassword). */
    readonly credentialsId: string;
    /** Branch built, without `refs/heads/` (the job's branch spec is `*\/<branch>`). */
    readonly branch: string;
    /** Path of the Jenkinsfile in the repository. */
    readonly scriptPath: string;
    readonly trigger: GenericWebhookTrigger;
}

/**
 * Generic Webhook Trigger: Gitea's push payload carries `ref` at the top level; the job starts only
 * when it equals `branchRef`. Exactly one of `tokenCredentialId` (a secret-text credential the
 * plugin looks up in the job's context, folder stores included) and `token` (stored in clear in
 * config.xml) must be set.
 */
export interface GenericWebhookTrigger {
    readonly kind: "generic-webhook";
    readonly tokenCredentialId?: string;
    readonly token?: string;
    /** Full ref that starts a build, e.g. `refs/heads/main`. */
    readonly branchRef: string;
}

/** An item config.xml that is not one `jobConfigXml` could have produced (so it cannot be a JobSpec). */
export class JobConfigShapeError extends Error {
    constructor(message: string) {
        super(`config.xml is not a seeded pipeline job: ${message}`);
        this.name = "JobConfigShapeError";
    }
}

const FLOW_DEFINITION = "flow-definition";
const CPS_SCM = "org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition";
const GIT_SCM = "hudson.plugins.git.GitSCM";
const REMOTE = "hudson.plugins.git.UserRemoteConfig";
const BRANCH_SPEC = "hudson.plugins.git.BranchSpec";
const DISABLE_CONCURRENT = "org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty";
const TRIGGERS_PROPERTY = "org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty";
const GENERIC_TRIGGER = "org.jenkinsci.plugins.gwt.GenericTrigger";
const GENERIC_VARIABLE = "org.jenkinsci.plugins.gwt.GenericVariable";
const FOLDER = "com.cloudbees.hudson.plugins.folder.Folder";

/** The variable the trigger extracts from the payload and the text its filter matches. */
const REF_VARIABLE = "ref";
const REF_JSONPATH = "$.ref";
const REF_FILTER_TEXT = "$ref";
// GWT renders $ref in the cause (Renderer.renderText), so the build page says which push started it.
const CAUSE = "Gitea push to $ref";

const REGEXP_META = /[.*+?^${}()|[\]\\]/g;
const escapeRegExp = (s: string) => s.replace(REGEXP_META, "\\$&");

/** `^<ref>$` with the ref's regexp metacharacters escaped (a branch may contain `.`). */
export function refFilterExpression(branchRef: string): string {
    return `^${escapeRegExp(branchRef)}$`;
}

function unescapeFilterExpression(expr: string): string | undefined {
    const m = /^\^(.*)\$$/s.exec(expr);
    if (!m) return undefined;
    let out = "";
    const body = m[1]!;
    for (let i = 0; i < body.length; i++) {
        const c = body[i]!;
        if (c === "\\") {
            const next = body[++i];
            if (next === undefined || !/[.*+?^${}()|[\]\\]/.test(next)) return undefined;
            out += next;
        } else if (/[.*+?^${}()|[\]]/.test(c)) {
            return undefined; // a live metacharacter: a pattern, not one literal ref
        } else {
            out += c;
        }
    }
    return out;
}

function checkJob(job: JobSpec): void {
    const problems: string[] = [];
    for (const k of ["cloneUrl", "credentialsId", "branch", "scriptPath"] as const) {
        if (job[k].trim() === "") problems.push(`${k} must not be empty`);
    }
    const t = job.trigger;
    const hasId = t.tokenCredentialId !== undefined && t.tokenCredentialId !== "";
    const hasToken = t.token !== undefined && t.token !== "";
    // Both set makes the plugin warn and use the credential (JobFinder.determineTokenValue);
    // neither makes the job triggerable by anyone who can reach /generic-webhook-trigger/invoke.
    if (hasId === hasToken) problems.push("trigger: exactly one of tokenCredentialId and token must be set");
    if (t.branchRef.trim() === "") problems.push("trigger.branchRef must not be empty");
    if (problems.length) throw new Error(`jobConfigXml: ${problems.join("; ")}`);
}

// Library objects are made per call, never held at module level: the seed's dynamic providers call
// these functions, and Pulumi serialises what a provider captures — a module-level XMLParser would be
// serialised by value (fast-xml-parser's bundled code cannot be), the package itself is `require`d.
const BUILD_OPTIONS = {
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    format: true,
    indentBy: "  ",
    suppressEmptyNode: true,
    processEntities: true,
};

/**
 * Pure: the config.xml of a Pipeline-from-SCM job with the Generic Webhook Trigger.
 *
 * Every field Jenkins would write back is written here too, so the job's XStream re-serialisation
 * differs from this only in what `normalizeConfigXml` discards. No job property comes from the
 * Jenkinsfile: Declarative saves the job when its `options` change the properties, which would
 * show as drift on every build.
 */
export function jobConfigXml(job: JobSpec): string {
    checkJob(job);
    const t = job.trigger;
    const doc = {
        "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" },
        [FLOW_DEFINITION]: {
            actions: "",
            description: job.description,
            keepDependencies: false,
            properties: {
                // One build at a time: builds share the workspace claim and the Maven cache.
                [DISABLE_CONCURRENT]: { abortPrevious: false },
                [TRIGGERS_PROPERTY]: {
                    triggers: {
                        [GENERIC_TRIGGER]: {
                            spec: "",
                            genericVariables: {
                                [GENERIC_VARIABLE]: {
                                    expressionType: "JSONPath",
                                    key: REF_VARIABLE,
                                    value: REF_JSONPATH,
                                    regexpFilter: "",
                                    defaultValue: "",
                                },
                            },
                            regexpFilterText: REF_FILTER_TEXT,
                            regexpFilterExpression: refFilterExpression(t.branchRef),
                            genericRequestVariables: "",
                            genericHeaderVariables: "",
                            printPostContent: false,
                            printContributedVariables: false,
                            causeString: CAUSE,
                            token: t.token ?? "",
                            tokenCredentialId: t.tokenCredentialId ?? "",
                            silentResponse: false,
                            overrideQuietPeriod: false,
                            shouldNotFlattern: false,
                            allowSeveralTriggersPerBuild: false,
                        },
                    },
                },
            },
            definition: {
                "@_class": CPS_SCM,
                scm: {
                    "@_class": GIT_SCM,
                    configVersion: 2,
                    userRemoteConfigs: { [REMOTE]: { url: job.cloneUrl, credentialsId: job.credentialsId } },
                    branches: { [BRANCH_SPEC]: { name: `*/${job.branch}` } },
                    doGenerateSubmoduleConfigurations: false,
                    submoduleCfg: { "@_class": "empty-list" },
                    extensions: "",
                },
                scriptPath: job.scriptPath,
                // Reads the Jenkinsfile through the SCM API instead of a full clone on the controller.
                lightweight: true,
            },
            triggers: "",
            disabled: false,
        },
    };
    return new XMLBuilder(BUILD_OPTIONS).build(doc);
}

/**
 * Pure: a cloudbees-folder Folder config.xml, to CREATE a folder (createItem). Jenkins fills views,
 * icon and health metrics on load (AbstractFolder.init()).
 *
 * Never POST this over an existing folder: Jenkins replaces an item from a posted config.xml with
 * null-out semantics (core AbstractItem.updateByXml), and the folder credential store (where the seed
 * keeps the webhook token, because JCasC replaces the system store), its views and properties are in
 * the folder's own config.xml — they would all go. The seed passes "" and sets the description shown
 * on the folder's page with `POST /job/<folder>/submitDescription` (its primary view's description).
 */
export function folderConfigXml(description: string): string {
    return new XMLBuilder(BUILD_OPTIONS).build({
        "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" },
        [FOLDER]: { actions: "", description, properties: "" },
    });
}

// ---------------------------------------------------------------------------------------------
// Reading and normalising

interface XNode {
    readonly name: string;
    readonly attrs: Record<string, string>;
    readonly children: XNode[];
    readonly text: string;
}

type Ordered = Record<string, unknown>;

const PARSE_OPTIONS = {
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    trimValues: true,
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: true,
    // Jenkins writes a carriage return in a description as &#xd;.
    htmlEntities: true,
};

function toNode(entry: Ordered): XNode | undefined {
    const name = Object.keys(entry).find((k) => k !== ":@");
    if (name === undefined || name === "#text") return undefined;
    const rawAttrs = (entry[":@"] ?? {}) as Record<string, string>;
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(rawAttrs)) attrs[k.replace(/^@_/, "")] = String(v);
    const kids = (entry[name] ?? []) as Ordered[];
    const children: XNode[] = [];
    let text = "";
    for (const k of kids) {
        if ("#text" in k) text += String(k["#text"]);
        else {
            const n = toNode(k);
            if (n) children.push(n);
        }
    }
    return { name, attrs, children, text };
}

function parseRoot(xml: string): XNode {
    let parsed: Ordered[];
    try {
        parsed = new XMLParser(PARSE_OPTIONS).parse(xml) as Ordered[];
    } catch (e) {
        throw new JobConfigShapeError(`not well-formed XML (${(e as Error).message})`);
    }
    const roots = parsed.map(toNode).filter((n): n is XNode => n !== undefined);
    if (roots.length !== 1) throw new JobConfigShapeError(`expected one root element, found ${roots.length}`);
    return roots[0]!;
}

const child = (n: XNode | undefined, name: string) => n?.children.find((c) => c.name === name);
const textOf = (n: XNode | undefined, name: string) => child(n, name)?.text ?? "";

function need(n: XNode | undefined, path: string): XNode {
    if (!n) throw new JobConfigShapeError(`missing <${path}>`);
    return n;
}

/** Inverse of `jobConfigXml`; throws JobConfigShapeError for XML no JobSpec renders to. */
export function parseJobConfigXml(xml: string): JobSpec {
    const root = parseRoot(xml);
    if (root.name !== FLOW_DEFINITION) throw new JobConfigShapeError(`root element is <${root.name}>, not <${FLOW_DEFINITION}>`);

    const def = need(child(root, "definition"), "definition");
    if (def.attrs.class !== CPS_SCM) throw new JobConfigShapeError(`definition class is ${def.attrs.class ?? "(none)"}, not ${CPS_SCM}`);
    const scm = need(child(def, "scm"), "definition/scm");
    if (scm.attrs.class !== GIT_SCM) throw new JobConfigShapeError(`scm class is ${scm.attrs.class ?? "(none)"}, not ${GIT_SCM}`);
    const remotes = need(child(scm, "userRemoteConfigs"), "scm/userRemoteConfigs").children.filter((c) => c.name === REMOTE);
    if (remotes.length !== 1) throw new JobConfigShapeError(`expected one git remote, found ${remotes.length}`);
    const specs = need(child(scm, "branches"), "scm/branches").children.filter((c) => c.name === BRANCH_SPEC);
    if (specs.length !== 1) throw new JobConfigShapeError(`expected one branch spec, found ${specs.length}`);
    const spec = textOf(specs[0], "name");
    if (!spec.startsWith("*/")) throw new JobConfigShapeError(`branch spec "${spec}" is not */<branch>`);

    const triggers = child(child(child(root, "properties"), TRIGGERS_PROPERTY), "triggers");
    const gwts = triggers?.children.filter((c) => c.name === GENERIC_TRIGGER) ?? [];
    if (gwts.length !== 1) throw new JobConfigShapeError(`expected one ${GENERIC_TRIGGER}, found ${gwts.length}`);
    const gwt = gwts[0]!;
    const vars = child(gwt, "genericVariables")?.children.filter((c) => c.name === GENERIC_VARIABLE) ?? [];
    const refVar = vars.find((v) => textOf(v, "key") === REF_VARIABLE);
    if (!refVar || textOf(refVar, "value") !== REF_JSONPATH || !["", "JSONPath"].includes(textOf(refVar, "expressionType"))) {
        throw new JobConfigShapeError(`the trigger does not extract ${REF_VARIABLE} from ${REF_JSONPATH}`);
    }
    if (textOf(gwt, "regexpFilterText") !== REF_FILTER_TEXT) {
        throw new JobConfigShapeError(`the trigger filters "${textOf(gwt, "regexpFilterText")}", not ${REF_FILTER_TEXT}`);
    }
    const expr = textOf(gwt, "regexpFilterExpression");
    const branchRef = unescapeFilterExpression(expr);
    if (branchRef === undefined) throw new JobConfigShapeError(`filter expression "${expr}" is not ^<one literal ref>$`);

    const token = textOf(gwt, "token");
    const tokenCredentialId = textOf(gwt, "tokenCredentialId");
    return {
        description: textOf(root, "description"),
        cloneUrl: textOf(remotes[0], "url"),
        credentialsId: textOf(remotes[0], "credentialsId"),
        branch: spec.slice(2),
        scriptPath: textOf(def, "scriptPath"),
        trigger: {
            kind: "generic-webhook",
            ...(tokenCredentialId !== "" ? { tokenCredentialId } : {}),
            ...(token !== "" ? { token } : {}),
            branchRef,
        },
    };
}

// Runtime state Jenkins keeps in an item's config.xml, never configuration we set: Declarative
// records the options/properties a Jenkinsfile applied as a DeclarativeJobPropertyTrackerAction
// under <actions> and saves the job on its first build (pipeline-model-definition Utils.groovy,
// updateJobProperties); a folder's health metrics and views are filled in on load.
// An array, not a Set: Pulumi serialises a captured Set as a plain object.
const RUNTIME_ELEMENTS: readonly string[] = ["actions"];

function normalizeNode(n: XNode, depth: number): XNode | undefined {
    // plugin="name@version" records which plugin wrote the element; it changes with every upgrade.
    const attrs = Object.fromEntries(Object.entries(n.attrs).filter(([k]) => k !== "plugin").sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const children = n.children
        .filter((c) => !(depth === 0 && RUNTIME_ELEMENTS.includes(c.name)))
        .map((c) => normalizeNode(c, depth + 1))
        .filter((c): c is XNode => c !== undefined)
        // XStream fields are unordered; items of one list share a name and keep their order (stable sort).
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const text = n.text.trim();
    // XStream leaves a field it does not find at its Java default: false, null, or an empty list.
    // So <x/>, <x></x>, <x>false</x> and no <x> at all load the same object. Only fields, though:
    // a list item is named by its class (a dotted name, or it carries class=), and its presence
    // is the meaning — <...DisableConcurrentBuildsJobProperty/> must never vanish.
    const isField = !n.name.includes(".") && Object.keys(attrs).length === 0;
    if (isField && children.length === 0 && (text === "" || text === "false")) return undefined;
    return { name: n.name, attrs, children, text };
}

function toOrdered(n: XNode): Ordered {
    const body: Ordered[] = n.text !== "" ? [{ "#text": n.text }] : [];
    body.push(...n.children.map(toOrdered));
    const out: Ordered = { [n.name]: body };
    if (Object.keys(n.attrs).length) out[":@"] = Object.fromEntries(Object.entries(n.attrs).map(([k, v]) => [`@_${k}`, v]));
    return out;
}

/**
 * Canonical form of an item config.xml, for drift checks: `normalizeConfigXml(actual) !==
 * normalizeConfigXml(jobConfigXml(desired))` means the job was changed behind our back.
 * Discards what Jenkins changes without a change of meaning: the XML declaration (Jenkins writes
 * version 1.1 with single quotes), `plugin` attributes, attribute and field order, whitespace,
 * empty and `false` fields (XStream's defaults), and the top-level <actions> (runtime state).
 */
export function normalizeConfigXml(xml: string): string {
    const parsed = parseRoot(xml);
    const root = normalizeNode(parsed, 0) ?? { name: parsed.name, attrs: {}, children: [], text: "" };
    return new XMLBuilder({ ...BUILD_OPTIONS, preserveOrder: true }).build([toOrdered(root)]).trim();
}
