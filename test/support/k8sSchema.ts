// The schema checker lives in scripts/lib/k8sSchema.ts since `npm run check:charts` uses it too.
export * from "../../scripts/lib/k8sSchema";
