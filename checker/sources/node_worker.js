// Run one Pulumi TypeScript/JavaScript program under @pulumi/pulumi mocks and write what it
// registered as JSON (the Node counterpart of worker.py).
//
// maintcheck runs this file by path with `node` (20 or newer):
//
//     node node_worker.js JOB.json RESULT.json
//
// It uses only Node's standard library and the project's OWN node_modules: @pulumi/pulumi, the
// provider SDKs the program imports, and `typescript` for .ts files (transpiled in memory, types
// not checked, with inline source maps so stack frames name the user's .ts lines).
// JOB.json (written by checker/sources/nodejs.py):
//
//     {"project", "stack", "project_dir": abs path, "entry": abs path of the file or directory
//      to require, "subscription", "tenant", "client", "object", "arm_types": {kind: arm type},
//      "name_properties": {kind: input}, "package_pattern", "version_pattern"}
//
// Config arrives in the environment (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS). RESULT.json:
//
//     {"status": "ok" | "error" | "apply-error" | "no-pulumi" | "no-typescript",
//      "resources": [ResourceV3-like records], "error": {...} | null, "missing_config": [...],
//      "pulumi": version, "node": version}
"use strict";

const fs = require("fs");
const path = require("path");
const Module = require("module");
const url = require("url");

const STACK_TYPE = "pulumi:pulumi:Stack";

const [jobFile, resultFile] = process.argv.slice(2);
const job = JSON.parse(fs.readFileSync(jobFile, "utf8"));
const projectDir = fs.realpathSync(job.project_dir);
const projectRequire = Module.createRequire(path.join(projectDir, "package.json"));

const result = { status: "ok", error: null, resources: [], missing_config: [], node: process.version };
const state = { bodyDone: false, written: false };

function write() {
    if (state.written) {
        return;
    }
    state.written = true;
    result.resources = capture.records;
    fs.writeFileSync(resultFile, JSON.stringify(result));
}

function finish() {
    write();
    process.exit(0);
}

// -- the user's files ---------------------------------------------------------------------------

function isLibrary(file) {
    return file.split(path.sep).includes("node_modules");
}

function projectPath(file) {
    // An absolute path or file URI -> its path relative to the project, or null outside it.
    let real = file;
    const nested = real.lastIndexOf("file:");
    if (nested > 0) {
        // The SDK made a URI of an ES module frame's URL: file:///cwd/file:/project/index.js
        real = real.slice(nested);
    }
    if (real.startsWith("file:")) {
        real = url.fileURLToPath(real);
    }
    if (!path.isAbsolute(real)) {
        return null;
    }
    try {
        real = fs.realpathSync(real);
    } catch (e) {
        // a file that no longer exists keeps its given path
    }
    const rel = path.relative(projectDir, real);
    if (!rel || rel.startsWith("..") || path.isAbsolute(rel) || isLibrary(real)) {
        return null;
    }
    return rel.split(path.sep).join("/");
}

const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;

function userFrames(error) {
    const frames = [];
    const stack = error && typeof error.stack === "string" ? error.stack : "";
    for (const line of stack.split("\n").slice(1)) {
        const match = FRAME.exec(line);
        if (!match) {
            continue;
        }
        const rel = projectPath(match[2]);
        if (rel === null || path.resolve(projectDir, rel) === __filename) {
            continue;
        }
        frames.push({ file: rel, line: Number(match[3]), name: match[1] || "<module>", code: sourceLine(rel, Number(match[3])) });
    }
    return frames;
}

function sourceLine(rel, line) {
    try {
        const lines = fs.readFileSync(path.join(projectDir, rel), "utf8").split(/\r?\n/);
        return (lines[line - 1] || "").trim();
    } catch (e) {
        return "";
    }
}

function describe(error) {
    const isError = error instanceof Error;
    const detail = {
        type: isError ? error.constructor.name || error.name : typeof error,
        message: isError ? String(error.message) : String(error),
        frames: isError ? userFrames(error) : [],
    };
    if (isError && error.code === "MODULE_NOT_FOUND") {
        const match = /Cannot find module '([^']+)'/.exec(error.message);
        detail.type = "ModuleNotFoundError";
        detail.module = match ? match[1] : null;
        detail.message = match ? `Cannot find module '${match[1]}'` : detail.message.split("\n")[0];
    }
    return detail;
}

// -- TypeScript ----------------------------------------------------------------------------------

function compilerOptions(ts) {
    // tsconfig.json of the project (its `extends` followed), made to emit CommonJS in memory.
    let options = {};
    const configFile = ts.findConfigFile(projectDir, ts.sys.fileExists, "tsconfig.json");
    if (configFile && path.dirname(configFile) === projectDir) {
        const read = ts.readConfigFile(configFile, ts.sys.readFile);
        if (!read.error) {
            options = ts.parseJsonConfigFileContent(read.config, ts.sys, projectDir).options;
        }
    }
    return Object.assign({ target: ts.ScriptTarget.ES2020, esModuleInterop: true }, options, {
        module: ts.ModuleKind.CommonJS,
        // The source map names the .ts file relative to where the output would be written: an
        // `outDir` (the `pulumi new typescript` template has "bin") would point it outside the
        // project, and every resource would lose its line. In memory the output is the source.
        outDir: undefined,
        outFile: undefined,
        rootDir: undefined,
        sourceRoot: undefined,
        mapRoot: undefined,
        sourceMap: false,
        inlineSourceMap: true,
        inlineSources: false,
        declaration: false,
        noEmit: false,
        isolatedModules: true,
    });
}

function installTypeScript() {
    let ts;
    try {
        ts = projectRequire("typescript");
    } catch (e) {
        ts = null;
    }
    const compile = (module, filename) => {
        if (ts === null) {
            const error = new Error(`${path.relative(projectDir, filename)} is TypeScript, and the project has no \`typescript\` package`);
            error.code = "NO_TYPESCRIPT";
            throw error;
        }
        const source = fs.readFileSync(filename, "utf8");
        const out = ts.transpileModule(source, { compilerOptions: options(), fileName: filename });
        module._compile(out.outputText, filename);
    };
    let cached = null;
    const options = () => {
        if (cached === null) {
            cached = compilerOptions(ts);
        }
        return cached;
    };
    for (const ext of [".ts", ".tsx", ".cts", ".mts"]) {
        if (!Module._extensions[ext]) {
            Module._extensions[ext] = compile;
        }
    }
    return ts;
}

// -- names and ARM ids of mocked resources (from maintcheck's type tables) ---------------------

const packagePattern = new RegExp(job.package_pattern);
const versionPattern = new RegExp(job.version_pattern);
const armTypes = job.arm_types;
const nameProps = job.name_properties;
const kindOfArm = Object.fromEntries(Object.entries(armTypes).map(([kind, arm]) => [arm, kind]));

function kindOf(token) {
    if (token.startsWith("pulumi:providers:azure-native")) {
        return "pulumi:providers:azure-native";
    }
    const parts = token.split(":");
    if (parts.length !== 3 || !packagePattern.test(parts[0])) {
        return token;
    }
    return parts[1].replace(versionPattern, "") + ":" + parts[2];
}

const lowerFirst = (text) => text.slice(0, 1).toLowerCase() + text.slice(1);

function plural(text) {
    if (/(s|x)$/.test(text)) {
        return text + "es";
    }
    if (/y$/.test(text) && !/(ay|ey|oy)$/.test(text)) {
        return text.slice(0, -1) + "ies";
    }
    return text + "s";
}

function segment(kind, armType) {
    if (kind) {
        const camel = plural(lowerFirst(kind.split(":")[1] || ""));
        if (camel.toLowerCase() === armType) {
            return camel;
        }
    }
    return armType;
}

function azureName(token, logical, inputs) {
    const prop = nameProps[kindOf(token)];
    const value = prop ? inputs[prop] : undefined;
    return typeof value === "string" && value ? value : logical;
}

function armId(token, logical, inputs) {
    const name = azureName(token, logical, inputs);
    let base = "/subscriptions/" + job.subscription;
    const kind = kindOf(token);
    if (kind === "resources:ResourceGroup") {
        return base + "/resourceGroups/" + name;
    }
    const [module, short] = kind.split(":");
    let namespace = "Microsoft." + module.slice(0, 1).toUpperCase() + module.slice(1);
    const segs = [];
    const arm = armTypes[kind];
    if (!arm) {
        segs.push([plural(lowerFirst(short || "")), name]);
    } else {
        const [armNamespace, ...types] = arm.split("/");
        if (armNamespace !== namespace.toLowerCase()) {
            namespace = armNamespace;
        }
        types.slice(0, -1).forEach((armType, depth) => {
            const parentKind = kindOfArm[armNamespace + "/" + types.slice(0, depth + 1).join("/")];
            const prop = parentKind ? nameProps[parentKind] : undefined;
            const value = prop ? inputs[prop] : undefined;
            segs.push([segment(parentKind, armType), typeof value === "string" ? value : "parent"]);
        });
        segs.push([segment(kind, types[types.length - 1]), name]);
    }
    const group = inputs.resourceGroupName;
    if (typeof group === "string" && group) {
        base += "/resourceGroups/" + group;
    }
    return base + "/providers/" + namespace + "/" + segs.map(([s, v]) => s + "/" + v).join("/");
}

// -- capture ---------------------------------------------------------------------------------------

class Capture {
    constructor() {
        this.records = [];
        this.urns = new Map(); // mock URN -> engine URN
        this.qualified = new Map(); // engine URN -> qualified type
        this.states = new Map(); // kind + "\0" + azure name -> outputs given to the program
    }

    engineUrn(mockParent, token, name) {
        const parent = this.urns.get(mockParent) || null;
        let qualified = token;
        if (parent !== null && this.qualified.has(parent)) {
            qualified = this.qualified.get(parent) + "$" + token;
        }
        const urn = `urn:pulumi:${job.stack}::${job.project}::${qualified}::${name}`;
        this.qualified.set(urn, qualified);
        return [urn, parent];
    }

    mapUrn(urn) {
        return this.urns.get(urn) || urn;
    }

    provider(ref) {
        if (!ref) {
            return null;
        }
        const cut = ref.lastIndexOf("::");
        if (cut > 0 && this.urns.has(ref.slice(0, cut))) {
            return this.urns.get(ref.slice(0, cut)) + ref.slice(cut);
        }
        return ref;
    }

    sourcePosition(req) {
        // The SDK's sourcePosition (the first frame below the resource constructors), else the
        // first frame of the registration's stack trace that is in the user's project.
        const positions = [];
        if (typeof req.getSourceposition === "function" && req.getSourceposition()) {
            positions.push(req.getSourceposition());
        }
        if (typeof req.getStacktrace === "function" && req.getStacktrace()) {
            for (const frame of req.getStacktrace().getFramesList()) {
                if (frame.getPc()) {
                    positions.push(frame.getPc());
                }
            }
        }
        for (const pos of positions) {
            const rel = pos.getUri() && pos.getLine() ? projectPath(pos.getUri()) : null;
            if (rel !== null) {
                return `project:///${rel}#${pos.getLine()}`;
            }
        }
        return null;
    }

    record(req, mockUrn, id, extra, custom, inputsField) {
        const [urn, parent] = this.engineUrn(req.getParent(), req.getType(), req.getName());
        this.urns.set(mockUrn, urn);
        const struct = req[inputsField]();
        const inputs = struct ? struct.toJavaScript() : {};
        const propertyDependencies = {};
        if (typeof req.getPropertydependenciesMap === "function") {
            req.getPropertydependenciesMap().forEach((deps, key) => {
                propertyDependencies[key] = deps.getUrnsList().map((u) => this.mapUrn(u));
            });
        }
        const dependencies = typeof req.getDependenciesList === "function" ? req.getDependenciesList() : [];
        const record = {
            urn,
            type: req.getType(),
            custom,
            inputs,
            parent,
            dependencies: dependencies.map((u) => this.mapUrn(u)),
            propertyDependencies,
            provider: this.provider(req.getProvider()),
        };
        if (custom) {
            record.id = id;
            record.outputs = Object.assign({}, inputs, extra);
        }
        const position = this.sourcePosition(req);
        if (position) {
            record.sourcePosition = position;
        }
        this.records.push(record);
    }
}

const capture = new Capture();

function answerInvoke(token, args) {
    // Placeholders for invokes: client config ids; a declared resource for its own get*; any
    // other get* answers with its arguments, the name its `…Name` argument gives and an ARM id.
    const kind = kindOf(token);
    if (kind === "authorization:getClientConfig") {
        return { subscriptionId: job.subscription, tenantId: job.tenant, clientId: job.client, objectId: job.object };
    }
    const [module, func] = kind.split(":");
    if (func && func.startsWith("get") && func.length > 3) {
        const target = module + ":" + func.slice(3);
        const prop = nameProps[target] || lowerFirst(func.slice(3)) + "Name";
        const name = args[prop];
        if (typeof name === "string" && capture.states.has(target + "\0" + name)) {
            return Object.assign({}, capture.states.get(target + "\0" + name));
        }
        if (typeof name === "string" && token.startsWith("azure-native")) {
            const resourceToken = `azure-native:${module}:${func.slice(3)}`;
            return Object.assign({}, args, { name, id: armId(resourceToken, name, args) });
        }
    }
    return args;
}

function mocks() {
    return {
        newResource(args) {
            const inputs = Object.assign({}, args.inputs || {});
            if (args.type.startsWith("pulumi:providers:")) {
                return { id: args.name + "-provider-id", state: inputs };
            }
            let id;
            if (args.id) {
                id = args.id;
            } else if (args.type.startsWith("azure-native")) {
                id = armId(args.type, args.name, inputs);
            } else {
                id = args.name + "-id";
            }
            const name = azureName(args.type, args.name, inputs);
            const outputs = Object.assign({ name }, inputs, { id });
            capture.states.set(kindOf(args.type) + "\0" + name, outputs);
            return { id, state: outputs };
        },
        call(args) {
            return answerInvoke(args.token, Object.assign({}, args.inputs || {}));
        },
    };
}

function wrapMonitor(monitor) {
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) =>
        register(req, (err, response) => {
            if (!err && response && req.getType() !== STACK_TYPE) {
                const extra = { id: response.getId() };
                const registered = monitor.resources && monitor.resources.get(response.getUrn());
                if (registered && registered.state && typeof registered.state.name === "string") {
                    extra.name = registered.state.name;
                }
                capture.record(req, response.getUrn(), response.getId(), extra, Boolean(req.getCustom()), "getObject");
            }
            callback(err, response);
        });
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req, callback) =>
        read(req, (err, response) => {
            if (!err && response) {
                capture.record(req, response.getUrn(), req.getId(), { id: req.getId() }, true, "getProperties");
            }
            callback(err, response);
        });
}

// -- config a program requires but nobody set --------------------------------------------------

const PLACEHOLDERS = { requireImpl: "placeholder", requireBooleanImpl: false, requireNumberImpl: 1, requireObjectImpl: {} };

function placeholderMissingConfig(pulumi) {
    const proto = pulumi.Config.prototype;
    for (const [method, value] of Object.entries(PLACEHOLDERS)) {
        const original = proto[method];
        if (typeof original !== "function") {
            continue;
        }
        proto[method] = function patched(key, ...rest) {
            try {
                return original.call(this, key, ...rest);
            } catch (e) {
                if (!e || e.constructor.name !== "ConfigMissingError") {
                    throw e;
                }
                const full = this.fullKey(key);
                if (!result.missing_config.includes(full)) {
                    result.missing_config.push(full);
                }
                return typeof value === "object" ? {} : value;
            }
        };
    }
}

// -- run ---------------------------------------------------------------------------------------------

function fail(status, error) {
    result.status = status;
    result.error = error;
    finish();
}

function onLateError(error) {
    // An error once the body is done (an apply callback, a rejected output): a warning; the
    // scan keeps what was registered. Before that, the program failed.
    if (result.error === null) {
        result.status = state.bodyDone ? "apply-error" : "error";
        result.error = describe(error);
    }
    if (!state.bodyDone) {
        finish();
    }
}

function main() {
    if (Number(process.versions.node.split(".")[0]) < (job.min_node || 20)) {
        return fail("old-node", null);
    }
    process.setSourceMapsEnabled(true);
    Error.stackTraceLimit = 50;
    let pulumi;
    try {
        pulumi = projectRequire("@pulumi/pulumi");
    } catch (e) {
        return fail("no-pulumi", describe(e));
    }
    try {
        result.pulumi = projectRequire("@pulumi/pulumi/package.json").version;
    } catch (e) {
        result.pulumi = "";
    }
    const ts = installTypeScript();
    result.typescript = ts ? ts.version : null;
    placeholderMissingConfig(pulumi);
    if (pulumi.Resource && pulumi.Resource.framePositionRegExp instanceof RegExp) {
        // The SDK reads only frames with a function name (`at f (file:1:2)`); the top level of
        // an ES module is `at file:///index.js:1:2`.
        pulumi.Resource.framePositionRegExp = /^\s*at (?:.* \()?(?<file>.*?):(?<line>[0-9]+):(?<column>[0-9]+)\)?$/;
    }
    // A preview, as `pulumi preview` of new resources: the outputs a mock does not return
    // (those only Azure computes, a StackReference's) are unknown, and apply callbacks on them
    // do not run; inputs, names and ids are known.
    pulumi.runtime.setMocks(mocks(), job.project, job.stack, true);
    wrapMonitor(pulumi.runtime.getMonitor());

    process.on("unhandledRejection", onLateError);
    process.on("uncaughtException", onLateError);
    process.on("beforeExit", finish); // the event loop drained: every registration is done
    process.chdir(projectDir);

    let exported;
    try {
        exported = require(job.entry);
    } catch (e) {
        if (e && e.code === "NO_TYPESCRIPT") {
            return fail("no-typescript", { type: "Error", message: e.message, frames: [] });
        }
        if (e && e.code === "ERR_REQUIRE_ESM") {
            // An ES module program ("type": "module", .mjs): imported instead.
            return import(url.pathToFileURL(require.resolve(job.entry)).href).then(
                (module) => callBody(module),
                (error) => fail("error", describe(error)),
            );
        }
        return fail("error", describe(e));
    }
    callBody(exported);
}

function callBody(exported) {
    const body = typeof exported === "function" ? exported : exported && typeof exported.default === "function" ? exported.default : null;
    if (body === null) {
        state.bodyDone = true;
        return;
    }
    // A program that exports a function: Pulumi calls it and awaits its result.
    Promise.resolve()
        .then(() => body())
        .then(
            () => {
                state.bodyDone = true;
            },
            (e) => fail("error", describe(e)),
        );
}

main();
