// The base class of every seed resource: all kinds ship one provider object (`seedProvider`,
// dispatch.ts), and the kind travels as both the type name and the `__kind` input.
import * as pulumi from "@pulumi/pulumi";

export const KIND = "__kind";

export class SeedResource extends pulumi.dynamic.Resource {
    // The provider is passed in by each kind's class rather than imported here: dispatch.ts imports
    // every kind module, so importing it from this base class would make a load-order cycle.
    // `module` only names the type token (`pulumi-nodejs:dynamic/<module>:<kind>`): the Harbor kinds
    // are not part of the seed, though they ship the same provider.
    constructor(provider: pulumi.dynamic.ResourceProvider, kind: string, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions, module = "seed") {
        super(provider, name, { [KIND]: kind, ...props }, opts, module, kind);
    }
}
