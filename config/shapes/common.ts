// Building blocks for the value shapes: a zod schema from a plain "why not" function (the same
// functions the components' templates call, so config and templates cannot disagree), and lists.
import { z } from "zod";

/** Why a value is refused, or undefined when it is accepted. */
export type Problem = (value: string) => string | undefined;

/**
 * Marks an issue whose message must stand alone: the loader then does not append the value it
 * got (the value holds something that must not be echoed, such as a password inside a URL).
 */
export const REDACT = { redact: true } as const;

/** A string schema refusing what `problem` refuses, with its message. */
export function checked(problem: Problem, opts: { redact?: boolean } = {}) {
    return z.string().superRefine((s, ctx) => {
        const p = problem(s);
        if (p) ctx.addIssue({ code: "custom", message: p, ...(opts.redact ? { params: REDACT } : {}) });
    });
}

/** The first problem among several rules, in order. */
export const firstProblem =
    (...rules: Problem[]): Problem =>
    (s) => {
        for (const r of rules) {
            const p = r(s);
            if (p) return p;
        }
        return undefined;
    };

export const uniqueStrings = <T extends z.ZodType<string>>(item: T) =>
    z.array(item).superRefine((xs, ctx) => {
        const seen = new Set<string>();
        xs.forEach((x, i) => {
            if (seen.has(x)) ctx.addIssue({ code: "custom", path: [i], message: `duplicate entry "${x}"` });
            seen.add(x);
        });
    });

/** ASCII control characters (C0 and DEL) and the C1 range Java's Character.isISOControl adds. */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
