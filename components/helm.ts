// Helpers shared by the components that install a Helm chart (Gitea, Jenkins).

// Helm refuses release names that are not DNS-1123 labels or are over 53 characters (a release
// name is reused in Secret names, which add a suffix).
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `name` cannot be a Helm release name, or undefined when it can. */
export function releaseNameProblem(name: string): string | undefined {
    if (RELEASE_NAME.test(name) && name.length <= 53) return undefined;
    return `name: "${name}" must be a valid Helm release name (DNS-1123 label, at most 53 characters)`;
}

/** Chart reference for a Release: a classic Helm repository, or an `oci://` registry. */
export function chartSource(repo: string, chart: string): { chart: string; repositoryOpts?: { repo: string } } {
    if (repo.startsWith("oci://")) return { chart: `${repo.replace(/\/+$/, "")}/${chart}` };
    return { chart, repositoryOpts: { repo } };
}
