// Jenkins plugins: the ids the stack needs, and plugin lists as jenkins-plugin-cli reads them
// (jenkinsci/plugin-installation-manager-tool: one `<id>[:<version>]` per entry).
import { z } from "zod";

// The jenkins chart's own plugin set (controller.installPlugins in chart 5.9.53; test/jenkins.test.ts
// compares it with test/reference). Pinning one of these alone breaks the chart's tested
// dependency closure ("unresolvable dependencies" at boot).
export const CHART_CORE_PLUGINS = ["kubernetes", "workflow-aggregator", "git", "configuration-as-code"] as const;
/** Plugins the stack adds to the chart's set: Gitea push -> job (the seed's webhook). */
export const STACK_PLUGINS = ["generic-webhook-trigger"] as const;
/** Every plugin id the stack depends on: the chart's own set (cloud, pipelines, git, JCasC) and ours. */
export const REQUIRED_PLUGINS: readonly string[] = [...CHART_CORE_PLUGINS, ...STACK_PLUGINS];

const PLUGIN = /^[A-Za-z0-9][A-Za-z0-9._-]*(:[A-Za-z0-9][A-Za-z0-9._+-]*)?$/;

export const pluginId = (p: string) => p.split(":")[0]!;

export const plugin = z.string().regex(PLUGIN, "must be a plugin id, optionally pinned as id:version");

/**
 * A plugin list with each id at most once: two entries for one id (pinned twice, or pinned and
 * floating) ask jenkins-plugin-cli for two versions of one plugin, and one of them is silently not
 * what gets installed (the chart itself fails the render on an id listed in both of its lists:
 * "[PLUGIN CONFLICT]", charts/jenkins templates/config.yaml).
 */
export const pluginList = z.array(plugin).superRefine((xs, ctx) => {
    const first = new Map<string, number>();
    xs.forEach((x, i) => {
        const id = pluginId(x);
        const j = first.get(id);
        if (j === undefined) first.set(id, i);
        else {
            ctx.addIssue({
                code: "custom",
                path: [i],
                message: xs[j] === x ? `duplicate entry "${x}"` : `"${x}" repeats plugin "${id}" (also "${xs[j]}" at [${j}]): one id, one version`,
            });
        }
    });
});
