// Pulumi dynamic providers for the seed, one file per kind (create/read/diff/update/delete on one
// screen), plus the shared plumbing (common.ts) and the one provider object they all ship (dispatch.ts).
//
// diff reads the remote object and compares it with the desired one (a job's config.xml edited by hand
// shows as a change), so a re-run after converge makes zero writes: updates write only what differs.
export * from "./runtime";
export * from "./inputs";
export * from "./giteaRepository";
export * from "./giteaFiles";
export * from "./giteaWebhook";
export * from "./jenkinsFolder";
export * from "./jenkinsItem";
export * from "./jenkinsCredential";
export * from "./giteaUser";
export * from "./giteaAccessToken";
export * from "./giteaCollaborator";
export * from "./harborProject";
export * from "./harborRobot";
export { seedProvider, type SeedKind } from "./dispatch";
