// The push event the smoke run delivers to Jenkins, built as Gitea builds one, so the job is triggered
// exactly the way the seeded webhook triggers it:
// - the body is Gitea's PushPayload (go-gitea/gitea modules/structs/hook.go: PushPayload, PayloadCommit,
//   PayloadUser), shaped like the push Gitea's own "Test Delivery" sends for a branch head
//   (routers/web/repo/setting/webhook.go TestWebhook: before == after == the head commit, which is
//   also the one commit and head_commit, total_commits 1, compare_url AppURL/<owner>/<repo>/compare/<a>...<b>);
// - the headers are those services/webhook/deliver.go sets on every delivery (X-Gitea-Event,
//   X-Gitea-Event-Type, X-Gitea-Delivery and their Gogs/GitHub twins), plus the hook's
//   authorization_header (`Bearer <token>`), which the Jenkins client adds itself.
// Pure: no I/O.

/** PayloadUser (modules/structs/hook.go). */
export interface PayloadUser {
    readonly name: string;
    readonly email: string;
    readonly username: string;
}

/** PayloadCommit (modules/structs/hook.go), as GET /repos/{o}/{r}/branches/{b} returns its `commit`. */
export interface PayloadCommit {
    readonly id: string;
    readonly message: string;
    readonly url: string;
    readonly author: PayloadUser | null;
    readonly committer: PayloadUser | null;
    readonly timestamp: string;
    readonly added?: readonly string[] | null;
    readonly removed?: readonly string[] | null;
    readonly modified?: readonly string[] | null;
}

/** The fields of Gitea's Repository (modules/structs/repo.go) the payload carries. */
export interface PayloadRepository {
    readonly id: number;
    readonly name: string;
    readonly full_name: string;
    readonly owner: { readonly login: string };
    readonly private: boolean;
    readonly html_url: string;
    readonly clone_url: string;
    readonly default_branch: string;
}

export interface PushPayload {
    readonly ref: string;
    readonly before: string;
    readonly after: string;
    readonly compare_url: string;
    readonly commits: readonly PayloadCommit[];
    readonly total_commits: number;
    readonly head_commit: PayloadCommit;
    readonly repository: PayloadRepository;
    readonly pusher: { readonly login: string; readonly username: string };
    readonly sender: { readonly login: string; readonly username: string };
}

/** A push of `head` to `branch` of `repository`, as Gitea's test delivery builds it. */
export function pushPayload(o: { branch: string; repository: PayloadRepository; head: PayloadCommit; sender: string }): PushPayload {
    const sha = o.head.id;
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) throw new Error(`pushPayload: head commit id "${sha}" is not a SHA-1 or SHA-256 object id`);
    const repository: PayloadRepository = {
        id: o.repository.id,
        name: o.repository.name,
        full_name: o.repository.full_name,
        owner: { login: o.repository.owner.login },
        private: o.repository.private,
        html_url: o.repository.html_url,
        clone_url: o.repository.clone_url,
        default_branch: o.repository.default_branch,
    };
    const user = { login: o.sender, username: o.sender };
    return {
        ref: `refs/heads/${o.branch}`,
        before: sha,
        after: sha,
        compare_url: `${o.repository.html_url.replace(/\/+$/, "")}/compare/${sha}...${sha}`,
        commits: [o.head],
        total_commits: 1,
        head_commit: o.head,
        repository,
        pusher: user,
        sender: user,
    };
}

/** The headers services/webhook/deliver.go adds to a push delivery (Authorization comes from the hook). */
export function deliveryHeaders(deliveryId: string): Record<string, string> {
    return {
        "Content-Type": "application/json",
        "X-Gitea-Delivery": deliveryId,
        "X-Gitea-Event": "push",
        "X-Gitea-Event-Type": "push",
        "X-Gogs-Delivery": deliveryId,
        "X-Gogs-Event": "push",
        "X-Gogs-Event-Type": "push",
        "X-GitHub-Delivery": deliveryId,
        "X-GitHub-Event": "push",
        "X-GitHub-Event-Type": "push",
    };
}
