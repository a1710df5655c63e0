// What Pulumi's dynamic provider host does with a resource's `__provider` text: compile it as a
// module (resolving packages from the project's node_modules) and call its `handler()`.
import Module from "node:module";
import * as path from "node:path";

export function evaluateProvider(text: string): any {
    const filename = path.join(__dirname, "__provider.js");
    const m = new Module(filename, module) as Module & { _compile(code: string, file: string): void };
    m.filename = filename;
    m.paths = (Module as any)._nodeModulePaths(__dirname);
    m._compile(text, filename);
    return (m.exports as { handler: () => unknown }).handler();
}
