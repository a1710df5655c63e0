// Value shapes of the stack configuration: the zod schemas and "why not" functions the key table
// (keys.ts) is built from, one module per kind of value. Each rule says where the peer that would
// refuse the value defines it; the components' templates call the same functions.
import { z } from "zod";

export * from "./common";
export * from "./quantity";
export * from "./k8s";
export * from "./images";
export * from "./net";
export * from "./names";
export * from "./plugins";

export const chartVersion = z
    .string()
    .regex(/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, "must be an exact chart version such as 5.9.53 (no ranges: upgrades are deliberate)");
