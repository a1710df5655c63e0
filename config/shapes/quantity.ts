// Kubernetes quantities, parsed the way k8s.io/apimachinery does (pkg/api/resource/quantity.go,
// ParseQuantity and parseQuantityString; suffixes from suffix.go), so values can be compared
// numerically: a request above its limit, a zero or a negative value, fractional bytes.
import { checked, type Problem } from "./common";

/**
 * <sign><digits>[.<digits>]<suffix>, suffix one of the binary (Ki…Ei), decimal (n u m "" k M G T P E)
 * or exponent (e<n>, E<n>) forms. apimachinery also reads a bare suffix ("Ki") or a lone sign as 0;
 * we ask for a digit, since those are zero anyway and zero is refused below.
 */
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const NANO = 10n ** 9n;
// apimachinery caps BinarySI values at math.MaxInt64 (quantity.go, maxAllowed) and a Quantity's
// Value() is an int64: anything larger cannot mean what it says.
const MAX_NANOS = (2n ** 63n - 1n) * NANO;
// Beyond this, an exponent makes numbers no resource can have; refuse before computing them.
const MAX_EXPONENT = 40;

/** A parsed quantity: its value in nano-units, rounded away from zero to 1n as apimachinery rounds. */
export interface Quantity {
    readonly nanos: bigint;
}

export function parseQuantity(s: string): Quantity | string {
    const m = QUANTITY.exec(s);
    if (!m) return "must be a Kubernetes quantity such as 500m, 1, 512Mi or 10Gi";
    const [, sign, number, suffix = ""] = m as unknown as [string, string, string, string | undefined];
    const [int = "", frac = ""] = number.split(".");
    let exp10 = -frac.length;
    let exp2 = 0;
    if (suffix in BINARY) exp2 = BINARY[suffix]!;
    else if (suffix in DECIMAL) exp10 += DECIMAL[suffix]!;
    else exp10 += Number(suffix.slice(1));
    if (Math.abs(exp10 + frac.length) > MAX_EXPONENT) return "is out of range (apimachinery holds quantities up to 2^63-1)";
    // value = mantissa * 10^exp10 * 2^exp2, expressed in nano-units and rounded up (away from zero),
    // which is what ParseQuantity does with "amount.Round(amount, Nano, inf.RoundUp)".
    let num = BigInt(`${int}${frac}` || "0") * 2n ** BigInt(exp2) * NANO;
    let den = 1n;
    if (exp10 >= 0) num *= 10n ** BigInt(exp10);
    else den = 10n ** BigInt(-exp10);
    let nanos = num / den + (num % den === 0n ? 0n : 1n);
    if (nanos > MAX_NANOS) return "is out of range (apimachinery holds quantities up to 2^63-1)";
    if (sign === "-") nanos = -nanos;
    return { nanos };
}

export const compareQuantity = (a: Quantity, b: Quantity): number => (a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0);

/** Parses, or throws: for values that already passed a quantity schema. */
export function quantityOf(s: string): Quantity {
    const q = parseQuantity(s);
    if (typeof q === "string") throw new Error(`"${s}" ${q}`);
    return q;
}

function quantityProblem(opts: { bytes: boolean }): Problem {
    return (s) => {
        const q = parseQuantity(s);
        if (typeof q === "string") return q;
        // Negative: refused by the API server (ValidateNonnegativeQuantity, and for a claim's
        // storage ValidatePositiveQuantityValue in kubernetes pkg/apis/core/validation/validation.go).
        // Zero: a claim of 0 is refused the same way; a zero CPU or memory limit is taken as "no
        // limit" by the kubelet (kubernetes pkg/kubelet/cm/helpers_linux.go MilliCPUToQuota returns
        // no quota for 0), and a zero request reserves nothing — never what a config means.
        if (q.nanos <= 0n) return "must be greater than zero";
        // Bytes come whole: kubernetes pkg/api/pod/warnings.go flags a "fractional byte value"
        // (e.g. memory 0.5Gi is fine, 1.5 or 100m is not), which the runtime rounds silently.
        if (opts.bytes && q.nanos % NANO !== 0n) return "must be a whole number of bytes (e.g. 512Mi, not 0.5 or 100m)";
        return undefined;
    };
}

/** CPU: a positive quantity (500m, 1, 2). */
export const cpuQuantity = checked(quantityProblem({ bytes: false }));
/** Memory or storage: a positive whole number of bytes (512Mi, 10Gi). */
export const byteQuantity = checked(quantityProblem({ bytes: true }));
