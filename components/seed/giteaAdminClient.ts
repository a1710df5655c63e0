// The Gitea calls the stack makes as site admin for the pipeline's own identity (issue #13): local
// users through the admin API, and repository collaborators — a GiteaClient with these on top (the
// shared client in providers/runtime.ts is one of these). Written against go-gitea/gitea v1.25.2
// routers/api/v1/admin/user.go, routers/api/v1/user/user.go and routers/api/v1/repo/collaborators.go.
import { GiteaClient, type GiteaConnection } from "./giteaClient";
import { schemas, type GiteaUser } from "./giteaSchemas";
import type { HttpRequest } from "./http";

const seg = (s: string) => encodeURIComponent(s);

export class GiteaAdminClient extends GiteaClient {
    // Spelled out: Pulumi's closure serialization of the dynamic providers turns classes into
    // functions, and an implicit derived constructor would then not pass `conn` on.
    constructor(conn: GiteaConnection) {
        super(conn);
    }

    /** A user as the connection sees it (a site admin sees is_admin and the login flags), or undefined on 404. */
    async getUser(name: string): Promise<GiteaUser | undefined> {
        const req: HttpRequest = { method: "GET", path: `/api/v1/users/${seg(name)}` };
        const res = await this.http.request(req);
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw this.http.fail(req, res);
        return this.http.parse(schemas().user, req, res);
    }

    /**
     * Creates a local user as site admin (POST /admin/users; routers/api/v1/admin/user.go CreateUser:
     * 422 when the name or e-mail is taken, 400 for a password Gitea refuses). Returns "exists" on
     * 422 when a user of that name is there afterwards (made meanwhile, or our own retried POST).
     */
    async createUser(o: { username: string; email: string; password: string; fullName: string; restricted: boolean }): Promise<GiteaUser | "exists"> {
        const req: HttpRequest = {
            method: "POST",
            path: "/api/v1/admin/users",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
                username: o.username,
                email: o.email,
                password: o.password,
                full_name: o.fullName,
                // CreateUser defaults MustChangePassword to true: a user that must change its password
                // first is refused by Gitea's sign-in (and nobody will ever log in as this one).
                must_change_password: false,
                restricted: o.restricted,
                visibility: "private",
                send_notify: false,
                source_id: 0,
                login_name: "",
            }),
            // Safe to re-send: a second user of that name is refused with 422.
            retryOn: "transient",
        };
        const res = await this.http.request(req);
        if (res.status === 201) return this.http.parse(schemas().user, req, res);
        if (res.status === 422 && (await this.getUser(o.username))) return "exists";
        throw this.http.fail(req, res, [o.password]);
    }

    /**
     * Sets a user's account flags as site admin (PATCH /admin/users/{u}; EditUserOption requires
     * source_id and login_name, modules/structs/admin_user.go) — only the given ones change.
     */
    async editUser(
        name: string,
        o: { admin?: boolean; active?: boolean; prohibitLogin?: boolean; restricted?: boolean; maxRepoCreation?: number; allowCreateOrganization?: boolean },
    ): Promise<GiteaUser> {
        const req: HttpRequest = {
            method: "PATCH",
            path: `/api/v1/admin/users/${seg(name)}`,
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
                source_id: 0,
                login_name: name,
                ...(o.admin !== undefined ? { admin: o.admin } : {}),
                ...(o.active !== undefined ? { active: o.active } : {}),
                ...(o.prohibitLogin !== undefined ? { prohibit_login: o.prohibitLogin } : {}),
                ...(o.restricted !== undefined ? { restricted: o.restricted } : {}),
                ...(o.maxRepoCreation !== undefined ? { max_repo_creation: o.maxRepoCreation } : {}),
                ...(o.allowCreateOrganization !== undefined ? { allow_create_organization: o.allowCreateOrganization } : {}),
            }),
        };
        const res = await this.http.request(req);
        if (res.status !== 200) throw this.http.fail(req, res);
        return this.http.parse(schemas().user, req, res);
    }

    /**
     * Deletes a user as site admin; "deleted" also when absent, "owns-data" when Gitea refuses
     * because the user still owns repositories, organizations or packages (422, admin/user.go DeleteUser).
     */
    async deleteUser(name: string): Promise<"deleted" | "owns-data"> {
        const req: HttpRequest = { method: "DELETE", path: `/api/v1/admin/users/${seg(name)}` };
        const res = await this.http.request(req);
        if (res.status === 204 || res.status === 404) return "deleted";
        if (res.status === 422) return "owns-data";
        throw this.http.fail(req, res);
    }

    /**
     * A collaborator's permission on a repository ("read" | "write" | "admin"), or undefined when
     * `user` is not a collaborator or does not exist (GET .../collaborators/{u} answers 204, 404 or 422, collaborators.go
     * IsCollaborator; the /permission route reports effective access, which a public repository
     * grants anyone, so membership is asked first).
     */
    async getCollaboratorPermission(owner: string, repo: string, user: string): Promise<string | undefined> {
        const base = `/api/v1/repos/${seg(owner)}/${seg(repo)}/collaborators/${seg(user)}`;
        const is: HttpRequest = { method: "GET", path: base };
        const res = await this.http.request(is);
        // 422: the user does not exist (deleted) — so it collaborates on nothing.
        if (res.status === 404 || res.status === 422) return undefined;
        if (res.status !== 204) throw this.http.fail(is, res);
        const req: HttpRequest = { method: "GET", path: `${base}/permission` };
        const p = await this.http.expect(req, 200);
        return this.http.parse(schemas().collaboratorPermission, req, p).permission;
    }

    /** Adds `user` as collaborator with `permission`, or changes an existing one's (PUT, 204). */
    async setCollaborator(owner: string, repo: string, user: string, permission: "read" | "write" | "admin"): Promise<void> {
        const req: HttpRequest = {
            method: "PUT",
            path: `/api/v1/repos/${seg(owner)}/${seg(repo)}/collaborators/${seg(user)}`,
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ permission }),
        };
        await this.http.expect(req, 204);
    }

    /** Removes a collaborator; an absent one, user or repository is fine. */
    async removeCollaborator(owner: string, repo: string, user: string): Promise<void> {
        const req: HttpRequest = { method: "DELETE", path: `/api/v1/repos/${seg(owner)}/${seg(repo)}/collaborators/${seg(user)}` };
        const res = await this.http.request(req);
        if (res.status !== 204 && res.status !== 404 && res.status !== 422) throw this.http.fail(req, res);
    }
}
