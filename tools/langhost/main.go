// Command pulumi-language-nodejs is ci-stack's own Node.js language host for the Pulumi CLI that
// scripts/tools.sh builds from Go modules (tracker issue #10).
//
// Why our own: upstream's host lives in its own Go module,
// github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, which the Go module proxy does not
// serve at any version. The last copy inside github.com/pulumi/pulumi/sdk/v3 (v3.68.0,
// nodejs/cmd/pulumi-language-nodejs) builds and runs programs under CLI v3.274.1, but its RunPlugin
// returns "not supported", and CLI v3.274.1 runs every Node.js policy pack through the language host's
// RunPlugin (sdk/go/common/resource/plugin/analyzer_plugin.go), so `pulumi preview --policy-pack` fails
// with it. This host implements what `pulumi up/preview/destroy/refresh/install/about` and
// `--policy-pack` need, following upstream's behaviour in pulumi/pulumi
// sdk/nodejs/cmd/pulumi-language-nodejs/main.go (read from the v3.27x line; cited per method as
// "upstream main.go"). It is built against github.com/pulumi/pulumi/sdk/v3 at the CLI's version.
//
// Deliberate differences from upstream, all outside what ci-stack uses:
//   - No monitor proxy and no --sync pipes: upstream starts its own ResourceMonitor that forwards to the
//     engine so that the Node SDK could make synchronous invokes over files; @pulumi/pulumi 3.270 no
//     longer reads --sync (runtime/settings.js tryGetSyncInvokes has no caller), so the program talks to
//     the engine's monitor directly.
//   - No bun runtime, no debugger attach, no OOM sniffing, no OpenTelemetry spans; `nodeargs` is split on
//     white space (upstream uses shlex quoting).
//   - Code generation (GenerateProject/Program/Package), Pack, Link and Template answer Unimplemented.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blang/semver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	// Module the program is started with; PULUMI_LANGUAGE_NODEJS_RUN_PATH overrides it (upstream main.go,
	// defaultRunPath).
	defaultRunPath = "@pulumi/pulumi/cmd/run"
	// Exit code with which @pulumi/pulumi says "the user already got an actionable message" (upstream
	// main.go, nodeJSProcessExitedAfterShowingUserActionableMessage; sdk/nodejs/cmd/run/run.ts).
	exitAfterActionableMessage = 32
)

func main() {
	var tracing string
	flag.StringVar(&tracing, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	// -v and --logtostderr, which the engine passes with --logflow, are glog's flags (registered by the
	// SDK's logging package); InitLogging picks them up once parsed.
	showVersion := flag.Bool("version", false, "Print the current plugin version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	logging.InitLogging(false, 0, false)
	cmdutil.InitTracing("pulumi-language-nodejs", "pulumi-language-nodejs", tracing)

	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}

	// Stop serving on Ctrl-C, and when the engine goes away (upstream main.go, main).
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	cancelChannel := make(chan bool)
	go func() {
		<-ctx.Done()
		cancel()
		close(cancelChannel)
	}()
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, cancel); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check host RPC server: %w", err))
		}
	}

	host := newHost(engineAddress, tracing)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelChannel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
	cancelCtx     context.Context
	cancelFunc    context.CancelFunc
}

func newHost(engineAddress, tracing string) *nodeHost {
	ctx, cancel := context.WithCancel(context.Background())
	return &nodeHost{engineAddress: engineAddress, tracing: tracing, cancelCtx: ctx, cancelFunc: cancel}
}

func (h *nodeHost) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// nodeOptions are the runtime options of Pulumi.yaml / PulumiPolicy.yaml (upstream main.go, parseOptions).
type nodeOptions struct {
	typescript     bool // run TypeScript through the SDK's ts-node; defaults to true
	tsconfigpath   string
	nodeargs       string
	packagemanager npm.PackageManagerType
}

func parseOptions(info *pulumirpc.ProgramInfo) (nodeOptions, error) {
	opts := nodeOptions{typescript: true, packagemanager: npm.AutoPackageManager}
	if info == nil || info.Options == nil {
		return opts, nil
	}
	m := info.Options.AsMap()
	if v, ok := m["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return opts, errors.New("typescript option must be a boolean")
		}
		opts.typescript = b
	}
	if v, ok := m["tsconfig"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("tsconfigpath option must be a string")
		}
		opts.tsconfigpath = s
	}
	if v, ok := m["nodeargs"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("nodeargs option must be a string")
		}
		opts.nodeargs = s
	}
	if v, ok := m["packagemanager"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("packagemanager option must be a string")
		}
		switch pm := npm.PackageManagerType(s); pm {
		case npm.AutoPackageManager, npm.NpmPackageManager, npm.YarnPackageManager, npm.PnpmPackageManager,
			npm.BunPackageManager:
			opts.packagemanager = pm
		default:
			return opts, fmt.Errorf("packagemanager option must be one of auto, npm, yarn, pnpm or bun, got %q", s)
		}
	}
	return opts, nil
}

func (o nodeOptions) env() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfigpath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfigpath)
	}
	return env
}

// locateModule resolves a module the way the program itself would, from its directory
// (upstream main.go, locateModule).
func locateModule(ctx context.Context, mod, programDir, nodeBin, installHint string) (string, error) {
	script := fmt.Sprintf(`try { console.log(require.resolve(%q)); } catch (error) { `+
		`if (error.code === "MODULE_NOT_FOUND") { console.error("It looks like the Pulumi SDK has not been installed. Have you run %s?"); } `+
		`else { console.error(error.message); } process.exit(1); }`, mod, installHint)
	cmd := exec.CommandContext(ctx, nodeBin, "-e", script)
	cmd.Dir = programDir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", errors.New(strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func (h *nodeHost) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	h.engineAddress = req.EngineAddress
	h.mu.Unlock()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *nodeHost) Cancel(ctx context.Context, _ *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelFunc()
	return &emptypb.Empty{}, nil
}

// GetRequiredPackages walks node_modules for packages whose package.json says {"pulumi": {"resource": true}}
// (upstream main.go, GetRequiredPackages / getPackagesFromDir / getPackageInfo / getPluginName /
// getPluginVersion), and warns when two copies of @pulumi/pulumi have different major versions.
func (h *nodeHost) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	sdkVersions := map[string]semver.Version{}
	pkgs, err := packagesFromDir(req.GetInfo().GetProgramDirectory(), sdkVersions, false, map[string]bool{})
	if err != nil {
		logging.V(3).Infof("one or more errors while discovering plugins: %s", err)
	}
	var firstPath string
	var first *semver.Version
	for path, v := range sdkVersions {
		if first == nil {
			firstPath, first = path, &v
			continue
		}
		if v.Major != first.Major {
			fmt.Fprintf(os.Stderr, "Found incompatible versions of @pulumi/pulumi. Differing major versions are not supported.\n"+
				"  Version %s referenced at %s\n  Version %s referenced at %s\n", first, firstPath, v, path)
			break
		}
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

// GetRequiredPlugins is superseded by GetRequiredPackages; upstream answers Unimplemented too.
func (h *nodeHost) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return nil, status.Errorf(codes.Unimplemented, "method GetRequiredPlugins not implemented")
}

type packageJSON struct {
	Name    string                  `json:"name"`
	Version string                  `json:"version"`
	Pulumi  plugin.PulumiPluginJSON `json:"pulumi"`
}

func packagesFromDir(dir string, sdkVersions map[string]semver.Version, inNodeModules bool, visited map[string]bool,
) ([]*pulumirpc.PackageDependency, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if visited[dir] {
		return nil, nil
	}
	visited[dir] = true
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading plugin dir %s: %w", dir, err)
	}
	var pkgs []*pulumirpc.PackageDependency
	var errs []error
	for _, e := range entries {
		name, curr, isDir := e.Name(), filepath.Join(dir, e.Name()), e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 { // follow links, tracking the target so cycles end
			target, err := filepath.EvalSymlinks(curr)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			fi, err := os.Stat(target)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			curr, isDir = target, fi.IsDir()
		}
		switch {
		case isDir:
			// A nested policy pack's plugins are not the program's (upstream: DetectPolicyPackPathAt).
			if pack, err := workspace.DetectPolicyPackPathAt(curr); err != nil {
				errs = append(errs, err)
				continue
			} else if pack != "" {
				continue
			}
			more, err := packagesFromDir(curr, sdkVersions, inNodeModules || filepath.Base(dir) == "node_modules", visited)
			if err != nil {
				errs = append(errs, err)
			}
			pkgs = append(pkgs, more...)
		case inNodeModules && name == "package.json":
			b, err := os.ReadFile(curr)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			var info packageJSON
			if err := json.Unmarshal(b, &info); err != nil {
				errs = append(errs, fmt.Errorf("unmarshaling package.json %s: %w", curr, err))
				continue
			}
			if info.Name == "@pulumi/pulumi" {
				if v, err := semver.Parse(info.Version); err == nil {
					sdkVersions[curr] = v
				}
			}
			if !info.Pulumi.Resource {
				continue
			}
			pluginName := info.Pulumi.Name
			if pluginName == "" {
				if !strings.HasPrefix(info.Name, "@pulumi/") {
					errs = append(errs, fmt.Errorf("Missing property \"name\" for the third-party plugin '%v' "+
						"inside package.json under the \"pulumi\" section.", info.Name))
					continue
				}
				pluginName = strings.TrimPrefix(info.Name, "@pulumi/")
			}
			v := info.Pulumi.Version
			if v == "" {
				v = info.Version
			}
			if v == "" {
				errs = append(errs, fmt.Errorf("Missing expected \"version\" property in %s", curr))
				continue
			}
			if !strings.HasPrefix(v, "v") {
				v = "v" + v
			}
			dep := &pulumirpc.PackageDependency{Name: pluginName, Kind: "resource", Version: v, Server: info.Pulumi.Server}
			if p := info.Pulumi.Parameterization; p != nil {
				dep.Parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
			}
			pkgs = append(pkgs, dep)
		}
	}
	return pkgs, errors.Join(errs...)
}

// Run starts `node <@pulumi/pulumi/cmd/run> --monitor ... <entry point>` in the program directory and reports
// how it ended (upstream main.go, Run / execRuntime / constructArguments / constructConfig /
// constructConfigSecretKeys).
func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	if info == nil {
		return nil, errors.New("RunRequest without program info")
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on the $PATH: " + err.Error()}, nil
	}
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		runPath = defaultRunPath
	}
	runPath, err = locateModule(ctx, runPath, info.ProgramDirectory, nodeBin, "pulumi install")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts, err := parseOptions(info)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	// Config keys go to the SDK in the old "<namespace>:config:<name>" form, which every SDK version reads.
	cfg := make(map[string]string, len(req.GetConfig()))
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return nil, err
		}
		cfg[key.Namespace()+":config:"+key.Name()] = v
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}

	args := strings.Fields(opts.nodeargs)
	args = append(args, runPath)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engine())
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", info.RootDirectory)
	add("stack", req.GetStack())
	add("pwd", info.ProgramDirectory)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.tracing)
	args = append(args, info.EntryPoint) // the engine always sends one, "." for the directory
	args = append(args, req.GetArgs()...)

	env := append(os.Environ(), "PULUMI_CONFIG="+string(cfgJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))
	env = append(env, opts.env()...)

	// Stop the program on the Cancel RPC or when the request goes away: SIGINT first, then kill.
	cmdCtx, cmdCancel := context.WithCancel(h.cancelCtx)
	defer cmdCancel()
	stop := context.AfterFunc(ctx, cmdCancel)
	defer stop()
	cmd := exec.CommandContext(cmdCtx, nodeBin, args...)
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = env
	// Node may switch its stdio to non-blocking mode; wrapping the writers makes exec copy through a pipe
	// instead of handing Node our file descriptors (upstream main.go, runWithOutput).
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	logging.V(5).Infof("Language host launching process: %s %s", nodeBin, strings.Join(args, " "))
	if err := cmd.Run(); err != nil {
		_ = os.Stdout.Sync()
		_ = os.Stderr.Sync()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			switch code := ee.ExitCode(); code {
			case exitAfterActionableMessage:
				return &pulumirpc.RunResponse{Bail: true}, nil
			case 0:
				return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", ee)}, nil
			default:
				return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
			}
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a plugin written in Node.js: a policy pack (kind "analyzer") through
// @pulumi/pulumi/cmd/run-policy-pack behind the SDK's PolicyProxy, anything else through
// @pulumi/pulumi/cmd/run-plugin (upstream main.go, RunPlugin).
func (h *nodeHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	info := req.GetInfo()
	if info == nil {
		return errors.New("RunPluginRequest without program info")
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return err
	}
	opts, err := parseOptions(info)
	if err != nil {
		return err
	}
	env := append(req.GetEnv(), opts.env()...)
	analyzer := req.GetKind() == string(apitype.AnalyzerPlugin)

	runPath := "@pulumi/pulumi/cmd/run-policy-pack"
	if !analyzer {
		if runPath = os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); runPath == "" {
			runPath = "@pulumi/pulumi/cmd/run-plugin"
		}
	}
	runPath, err = locateModule(ctx, runPath, info.ProgramDirectory, nodeBin, "npm install in "+info.ProgramDirectory)
	if err != nil {
		return err
	}
	args := append([]string{runPath}, strings.Fields(opts.nodeargs)...)
	// A policy pack takes its directory last, every other plugin first.
	if analyzer {
		args = append(append(args, req.GetArgs()...), info.ProgramDirectory)
	} else {
		args = append(append(args, info.ProgramDirectory), req.GetArgs()...)
	}

	// Policy packs expect the stack's project/stack/config in their environment; the engine only sends
	// those in the Analyzer ConfigureStack call, so the proxy answers the engine first, then attaches.
	var proxy *sdk.PolicyProxy
	if analyzer {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start policy pack proxy: %w", err)
		}
		conf, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get stack configuration: %w", err)
		}
		if conf != nil {
			add := func(k, v string) {
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			add("PULUMI_NODEJS_ORGANIZATION", conf.Organization)
			add("PULUMI_NODEJS_PROJECT", conf.Project)
			add("PULUMI_NODEJS_STACK", conf.Stack)
			add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(conf.DryRun))
			if conf.Config != nil {
				b, err := json.Marshal(conf.Config)
				if err != nil {
					return fmt.Errorf("could not marshal stack configuration: %w", err)
				}
				add("PULUMI_CONFIG", string(b))
			}
		}
	}

	cmd := exec.CommandContext(ctx, nodeBin, args...)
	// Policy packs have always run in their own directory.
	if analyzer {
		cmd.Dir = info.ProgramDirectory
	} else {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	logging.V(5).Infof("Language host launching plugin: %s", cmd)
	err = cmd.Start()
	if err == nil {
		if proxy != nil {
			err = proxy.Attach(ctx, cmd)
		} else {
			err = cmd.Wait()
		}
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("Program exited with non-zero exit code: %d", ee.ExitCode())
		}
		return fmt.Errorf("Problem executing plugin program (could not run language executor): %w", err)
	}
	return closer.Close()
}

// InstallDependencies runs the project's package manager in its (workspace) root (upstream main.go,
// InstallDependencies, without the fnm node-version switching).
func (h *nodeHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.IsTerminal)
	if err != nil {
		return err
	}
	defer closer.Close()
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Installing dependencies...\n\n")
	root := req.GetInfo().GetProgramDirectory()
	if ws, err := npm.FindWorkspaceRoot(root); err == nil {
		fmt.Fprintf(stdout, "Detected workspace root at %s\n", ws)
		root = ws
	} else if !errors.Is(err, npm.ErrNotInWorkspace) {
		return fmt.Errorf("failure while trying to find workspace root: %w", err)
	}
	if _, err := npm.Install(server.Context(), opts.packagemanager, root, false, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

// RuntimeOptionsPrompts: nothing to ask (upstream asks for a package manager when `pulumi new` has none).
func (h *nodeHost) RuntimeOptionsPrompts(ctx context.Context, req *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// About reports node and the package manager (upstream main.go, About).
func (h *nodeHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return nil, err
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find executable \"node\": %w", err)
	}
	resp := &pulumirpc.AboutResponse{Executable: nodeBin, Metadata: map[string]string{}}
	if out, err := exec.CommandContext(ctx, nodeBin, "--version").Output(); err == nil {
		resp.Version = strings.TrimSpace(string(out))
	}
	if pm, err := npm.ResolvePackageManager(opts.packagemanager, req.GetInfo().GetProgramDirectory()); err == nil {
		resp.Metadata["packagemanager"] = pm.Name()
		if v, err := pm.Version(); err == nil {
			resp.Metadata["packagemanagerVersion"] = v.String()
		}
	}
	return resp, nil
}

// GetProgramDependencies lists the installed packages (upstream main.go, GetProgramDependencies).
func (h *nodeHost) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return nil, err
	}
	pm, err := npm.ResolvePackageManager(opts.packagemanager, req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, fmt.Errorf("failed to determine package manager: %w", err)
	}
	pkgs, err := pm.ListPackages(ctx, req.GetInfo().GetProgramDirectory(), req.TransitiveDependencies)
	if err != nil {
		return nil, fmt.Errorf("failed to get node dependencies: %w", err)
	}
	deps := make([]*pulumirpc.DependencyInfo, len(pkgs))
	for i, p := range pkgs {
		deps[i] = &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version}
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
