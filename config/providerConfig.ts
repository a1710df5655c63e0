// Project-wide settings of the providers' default instances, written into Pulumi.yaml's `config:`
// block by `npm run config:sync` (project-level values; a stack file may still override them).
//
// kubernetes:enableSecretMutable — without it the Kubernetes provider treats a Secret's data as
// immutable (pulumi-kubernetes provider/pkg/provider/diff.go; the switch is read in provider.go's
// Configure, present since v4.x and still marked beta in 4.34.2's provider.d.ts), so a rotated
// password REPLACES the Secret. Our Secrets carry fixed names and are retained on delete (the
// retained releases mount them), so the replacement re-creates an object that is still there and
// the new server-side-apply field manager conflicts with the old one: the rotation never reaches
// the cluster (found by the e2e rotation scenario against a real kube-apiserver). Mutable Secrets
// are updated in place, and the secrets digest on the pod templates (components/rollout.ts) rolls
// the Pods that read them.
export const PROVIDER_CONFIG: Readonly<Record<string, string | number | boolean>> = {
    "kubernetes:enableSecretMutable": true,
};
