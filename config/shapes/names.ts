// Names the peers refuse: git branches, Jenkins items, users and credential ids, Gitea users and
// repositories, HTTP Basic user ids. Each rule follows the peer's own source, named next to it.
import { CONTROL, type Problem } from "./common";

/**
 * `git check-ref-format --branch <name>`: git/git object-name.c strbuf_check_branch_ref (no
 * leading '-', not HEAD) then refs.c check_refname_format on refs/heads/<name>: no control
 * characters, space, ~ ^ : ? * [ or \; no "..", no "@{"; no empty component ('//', leading or
 * trailing '/'); no component starting with '.' or ending with ".lock"; not ending with '.'.
 * test/config.test.ts runs the real git binary over a table of names against this function.
 */
export const gitBranchProblem: Problem = (s) => {
    if (s.length === 0) return "must not be empty";
    if (s.startsWith("-")) return "must not start with '-' (git reads it as an option)";
    if (s === "HEAD") return "must not be HEAD";
    const bad = /[\u0000-\u0020\u007f~^:?*[\\]/.exec(s);
    if (bad) return bad[0] <= " " || bad[0] === "\u007f" ? "must not contain spaces or control characters" : `must not contain '${bad[0]}'`;
    if (s.includes("..")) return "must not contain '..'";
    if (s.includes("@{")) return "must not contain '@{'";
    const parts = s.split("/");
    if (parts.some((p) => p === "")) return "must not start or end with '/' or contain '//'";
    if (parts.some((p) => p.startsWith("."))) return "no path component may start with '.'";
    if (parts.some((p) => p.endsWith(".lock"))) return "no path component may end with '.lock'";
    if (s.endsWith(".")) return "must not end with '.'";
    return undefined;
};

/**
 * The branch also names the Gitea repositories' default branch and the push webhook's filter:
 * Gitea 1.25 refuses "@" alone (modules/git/ref.go refNamePatternInvalid, via the GitRefName
 * binding of CreateRepoOption.DefaultBranch, which also caps it at 100 characters in
 * modules/structs/repo.go), and reads the webhook's branch_filter as a glob (modules/glob/glob.go),
 * where '{' and '}' are alternation, so such a branch would never match its own filter.
 */
export const seedBranchProblem: Problem = (s) => {
    const p = gitBranchProblem(s);
    if (p) return `${p} (git check-ref-format --branch)`;
    if (s === "@") return "must not be '@' (Gitea refuses it as a ref name)";
    if (s.length > 100) return "must be at most 100 characters (Gitea's default_branch limit)";
    if (/[{}]/.test(s)) return "must not contain '{' or '}': Gitea matches the webhook's branch filter as a glob";
    return undefined;
};

/**
 * Jenkins item names: jenkinsci/jenkins core/src/main/java/jenkins/model/Jenkins.java checkGoodName
 * — not empty, not "." or "..", no ISO control character, none of ?*&#47;\%!@#$^&|<>[]:; and
 * (SECURITY-2424) not ending with '.'. Jenkins trims names before creating an item
 * (Jenkins.checkJobName), so surrounding whitespace would name another item than the one asked for.
 */
export const jenkinsItemNameProblem: Problem = (s) => {
    if (s.trim() === "") return "must not be empty";
    if (s.trim() !== s) return "must not start or end with whitespace (Jenkins trims item names)";
    if (s === "." || s === "..") return `"${s}" is not allowed as a Jenkins item name`;
    if (CONTROL.test(s)) return "must not contain control characters";
    const unsafe = /[?*/\\%!@#$^&|<>[\]:;]/.exec(s);
    if (unsafe) return unsafe[0] === "/" ? "must be one item name: '/' separates folders" : `must not contain '${unsafe[0]}' (Jenkins: unsafe character)`;
    if (s.endsWith(".")) return "must not end with '.' (Jenkins refuses a trailing dot, SECURITY-2424)";
    return undefined;
};

/**
 * Credential ids: jenkinsci/credentials-plugin BaseStandardCredentials.BaseStandardCredentialsDescriptor
 * doCheckId accepts `[a-zA-Z0-9_.-]+` only.
 */
export const credentialIdProblem: Problem = (s) => (/^[a-zA-Z0-9_.-]+$/.test(s) ? undefined : "must be letters, digits, '_', '.' or '-' (a Jenkins credential id)");

/**
 * Jenkins user ids of the built-in user database: jenkinsci/jenkins
 * core/src/main/java/hudson/security/HudsonPrivateSecurityRealm.java (DEFAULT_ID_REGEX `^[\w-]+$`),
 * and never one of User.java's ILLEGAL_PERSISTED_USERNAMES (anonymous, SYSTEM, unknown), compared
 * without case (User.isIdOrFullnameAllowed).
 */
export const jenkinsUserIdProblem: Problem = (s) => {
    if (!/^[A-Za-z0-9_-]+$/.test(s)) return "must be letters, digits, '_' or '-' (Jenkins user id)";
    if (["anonymous", "system", "unknown"].includes(s.toLowerCase())) return `"${s}" is reserved by Jenkins (anonymous, SYSTEM, unknown)`;
    return undefined;
};

// go-gitea/gitea v1.25.2 models/user/user.go reservedUsernames and reservedUserPatterns.
const GITEA_RESERVED_USERS = [
    ".", "..", ".well-known", "api", "metrics", "v2", "assets", "attachments", "avatar", "avatars", "repo-avatars", "captcha", "login", "org", "repo", "user",
    "explore", "issues", "pulls", "milestones", "notifications", "favicon.ico", "manifest.json", "robots.txt", "sitemap.xml", "ssh_info", "swagger.v1.json",
    "ghost", "gitea-actions",
];
const GITEA_RESERVED_USER_SUFFIXES = [".keys", ".gpg", ".rss", ".atom", ".png"];

/**
 * Gitea 1.25 user names: modules/validation/helpers.go IsValidUsername (`^[\da-zA-Z][-.\w]*$` and no
 * two consecutive or a trailing '-', '.', '_'), the reserved names and patterns of models/user/user.go
 * (compared lower-cased, models/db/name.go IsUsableName), and the 40 characters of the API's
 * CreateUserOption (modules/structs/admin_user.go).
 */
export const giteaUserNameProblem: Problem = (s) => {
    if (s.length > 40) return "must be at most 40 characters (Gitea user name)";
    if (!/^[A-Za-z0-9][-.\w]*$/.test(s) || /[-._]{2,}|[-._]$/.test(s)) {
        return "must be a Gitea user name: letters, digits, '-', '_', '.', starting with a letter or digit, with no two of '-', '_', '.' in a row and none at the end";
    }
    const lower = s.toLowerCase();
    if (GITEA_RESERVED_USERS.includes(lower)) return `"${s}" is reserved by Gitea`;
    const suffix = GITEA_RESERVED_USER_SUFFIXES.find((x) => lower.endsWith(x));
    if (suffix) return `must not end with "${suffix}" (reserved by Gitea)`;
    return undefined;
};

/**
 * Gitea 1.25 repository names: models/repo/repo.go IsUsableRepoName (`^[-.\w]+$`, no "..", not
 * ".", ".." or "-", not ending .wiki/.git/.rss/.atom, lower-cased) and the 100 characters of
 * CreateRepoOption.Name (modules/structs/repo.go).
 */
export const giteaRepoNameProblem: Problem = (s) => {
    if (s.length === 0 || s.length > 100) return "must be 1-100 characters (Gitea repository name)";
    if (!/^[-.\w]+$/.test(s)) return "must be letters, digits, '-', '_' or '.' (Gitea repository name)";
    if (s.includes("..")) return "must not contain '..'";
    const lower = s.toLowerCase();
    if ([".", "..", "-"].includes(lower)) return `"${s}" is reserved by Gitea`;
    const suffix = [".wiki", ".git", ".rss", ".atom"].find((x) => lower.endsWith(x));
    if (suffix) return `must not end with "${suffix}" (reserved by Gitea)`;
    return undefined;
};

/**
 * An HTTP Basic user id (the registry push account): RFC 7617 section 2 — "a user-id containing a
 * colon character is invalid" (the header splits at the first colon) and no control characters.
 */
export const basicAuthUserProblem: Problem = (s) => {
    if (s.length === 0) return "must not be empty";
    if (s.includes(":")) return "must not contain ':' (Basic auth splits user and password at the first colon, RFC 7617)";
    if (CONTROL.test(s)) return "must not contain control characters (RFC 7617)";
    return undefined;
};
