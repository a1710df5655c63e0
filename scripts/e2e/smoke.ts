// Issue #14 under the real engine: with smoke.enabled, `pulumi up` runs the Smoke component's
// @pulumi/command local.Command (here our command provider, tools/providers/command) after the seed;
// it delivers a push of the app's head to the seeded job as Gitea would, follows the build in the
// Jenkins emulator, finds the image the build pushed in the Harbor emulator (the build plan set in
// main.ts) and exports smokeSeconds and smokeImage. Then: no rerun on an unchanged stack, and turning
// it off removes the command.
import { textOf, type E2EContext } from "./context";
import { jobOf, repoOf } from "./day2";
import { tail } from "./pulumi";
import { expectNoChanges } from "./scenarios";
import type { Scenario } from "./scenario";

interface Branch {
    commit?: { id?: string };
}

export const smoke: Scenario<E2EContext> = {
    id: "8-smoke",
    title: "smoke.enabled: up runs the smoke command and exports smokeSeconds and smokeImage; off again removes it",
    needs: ["2-up"],
    async run(ctx, checks) {
        const harbor = ctx.harbor?.emulator;
        if (!harbor) throw new Error("no Harbor emulator in this run");
        const jenkins = ctx.jenkins.emulator;
        const out0 = await ctx.cli.outputs(ctx.stack);
        const job = jobOf(out0.jobUrl);
        const runsBefore = jenkins.state.builds.runsOf(job).length;
        await ctx.setConfig({ "smoke.enabled": { value: "true" }, "smoke.timeoutSeconds": { value: "120" } });
        try {
            const up = await ctx.engine(["up", "--yes"], { figure: "upSmoke" });
            checks.ok("pulumi up with smoke.enabled exits 0", up.code === 0, `exit ${up.code}\n${tail(textOf(up), 30)}`);
            const out = await ctx.cli.outputs(ctx.stack);
            const [owner, app] = repoOf(out.appCloneUrl);
            const branch = ctx.config["seed.branch"]?.value ?? "main";
            const head = (await (await ctx.giteaApi()).json<Branch>(`/repos/${owner}/${app}/branches/${encodeURIComponent(branch)}`))?.commit?.id ?? "";
            const target = (out.smokeTarget ?? {}) as Record<string, string>;
            ctx.log(`    smokeSeconds ${String(out.smokeSeconds)}, smokeImage ${String(out.smokeImage)}`);
            const tag = head.slice(0, 8);
            const artifact = harbor.state.repositories.get(`${target.project}/${target.image}`)?.artifacts.find((a) => a.tags.some((t) => t.name === tag));
            checks.eq("the job ran once", jenkins.state.builds.runsOf(job).length - runsBefore, 1);
            checks.ok("Harbor holds <project>/<image>:<short sha of the head>", !!artifact, `head ${head}, repositories ${JSON.stringify([...harbor.state.repositories.keys()])}`);
            checks.ok("smokeSeconds is a positive number", typeof out.smokeSeconds === "number" && out.smokeSeconds > 0, JSON.stringify(out.smokeSeconds));
            checks.eq("smokeImage is that image by digest", out.smokeImage, `${target.registry}/${target.project}/${target.image}:${tag}@${artifact?.digest ?? "?"}`);
            checks.ok("smokeBuildUrl is the run's URL", String(out.smokeBuildUrl).endsWith(`/job/${job.split("/").join("/job/")}/${jenkins.state.builds.runsOf(job).length}/`), String(out.smokeBuildUrl));
            // Triggers are the seeded content's digests: an unchanged stack does not run it again.
            await expectNoChanges(ctx, checks, "rerunSmoke");
            checks.eq("no second build from the re-run", jenkins.state.builds.runsOf(job).length - runsBefore, 1);
        } finally {
            await ctx.cli.rmConfig(ctx.stack, "smoke.enabled");
            await ctx.cli.rmConfig(ctx.stack, "smoke.timeoutSeconds");
            delete ctx.config["smoke.enabled"];
            delete ctx.config["smoke.timeoutSeconds"];
        }
        const off = await ctx.engine(["up", "--yes"], { figure: "upSmokeOff" });
        checks.ok("turning smoke off: pulumi up exits 0", off.code === 0, `exit ${off.code}\n${tail(textOf(off), 30)}`);
        const after = await ctx.cli.outputs(ctx.stack);
        checks.ok("turning smoke off removes its outputs", !("smokeSeconds" in after) && !("smokeImage" in after), JSON.stringify(Object.keys(after)));
        checks.eq("turning smoke off starts no build", jenkins.state.builds.runsOf(job).length - runsBefore, 1);
    },
};
