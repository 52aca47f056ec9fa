// cnidrive: a minimal CNI runtime built on Debian's libcni (golang-github-appc-cni-dev 1.1.2),
// driving plugins the way containerd (go-cni) and podman's CNI backend do: network list loaded
// by name from a conf dir, VERSION validation (ValidateNetworkList), capability args,
// CNI_ARGS, results cached in a libcni cache dir, cached result as prevResult on CHECK/DEL.
//
// Usage: cnidrive [flags] VERB [NET [NETNS]]
//
//	VERB: add | check | del   one network list operation (DEL: NETNS may be "")
//	      validate            ValidateNetworkList; prints the capabilities (sorted JSON list)
//	      versions            VERSION of every plugin of NET: {"type": [versions...]}
//	      cached              the cached ADD result of NET for this attachment
//	      cachedconf          the cached config + runtime conf of this attachment
//	cnidrive get JSON PATH...  test helper, no CNI: each PATH ("a.0.b") of JSON on its own
//	                          line (strings raw, objects/lists as JSON, missing = empty line)
//
// Environment (cnitool-compatible): NETCONFPATH (default /etc/cni/net.d), CNI_PATH (":"-list),
// CNI_IFNAME (default eth0), CNI_ARGS ("K=V;K2=V2"), CAP_ARGS (JSON object),
// CNI_CONTAINERID (default: as cnitool, "cnitool-" + 20 hex of SHA-512(abs netns path)).
// Flags override the environment: -conf-dir, -cache-dir (default libcni's /var/lib/cni),
// -ifname, -id, -no-validate (skip ValidateNetworkList before ADD).
//
// Output: add prints the result (libcni's Print, the list's cniVersion). On failure the
// error is printed on stdout as JSON {"code":N,"msg":...,"details":...} (code 0 when libcni
// itself failed, i.e. no plugin error object) and on stderr as text; exit status 1.
// Usage errors exit 2.
package main

import (
	"context"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
)

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func fail(err error) {
	out := map[string]interface{}{"code": 0, "msg": err.Error()}
	var te *types.Error
	if errors.As(err, &te) {
		out["code"] = te.Code
		out["msg"] = te.Msg
		if te.Details != "" {
			out["details"] = te.Details
		}
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	fmt.Fprintln(os.Stderr, "cnidrive:", err)
	os.Exit(1)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: cnidrive [flags] add|check|del|validate|versions|cached|cachedconf NET [NETNS]")
	flag.PrintDefaults()
	os.Exit(2)
}

func printJSON(v interface{}) {
	b, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		fail(err)
	}
	fmt.Println(string(b))
}

func parseArgs(s string) ([][2]string, error) {
	var out [][2]string
	if s == "" {
		return out, nil
	}
	for _, pair := range strings.Split(s, ";") {
		kv := strings.SplitN(pair, "=", 2)
		if len(kv) != 2 || kv[0] == "" || kv[1] == "" {
			return nil, fmt.Errorf("invalid CNI_ARGS pair %q", pair)
		}
		out = append(out, [2]string{kv[0], kv[1]})
	}
	return out, nil
}

// get: the test suites' JSON extractor (a Go start costs far less than a python3 start).
func get(doc string, paths []string) {
	var root interface{}
	if err := json.Unmarshal([]byte(doc), &root); err != nil {
		root = nil
	}
	for _, p := range paths {
		v := root
		for _, k := range strings.Split(p, ".") {
			if k == "" || v == nil {
				continue
			}
			switch t := v.(type) {
			case map[string]interface{}:
				v = t[k]
			case []interface{}:
				var i int
				if _, err := fmt.Sscanf(k, "%d", &i); err != nil || i < 0 || i >= len(t) {
					v = nil
				} else {
					v = t[i]
				}
			default:
				v = nil
			}
		}
		switch t := v.(type) {
		case nil:
			fmt.Println()
		case string:
			fmt.Println(t)
		case bool, float64:
			b, _ := json.Marshal(t)
			fmt.Println(string(b))
		default:
			b, _ := json.Marshal(t)
			fmt.Println(string(b))
		}
	}
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "get" {
		get(os.Args[2], os.Args[3:])
		return
	}
	confDir := flag.String("conf-dir", envOr("NETCONFPATH", "/etc/cni/net.d"), "network config dir")
	cacheDir := flag.String("cache-dir", "", "libcni cache dir (default "+libcni.CacheDir+")")
	ifName := flag.String("ifname", envOr("CNI_IFNAME", "eth0"), "container interface name")
	id := flag.String("id", os.Getenv("CNI_CONTAINERID"), "container ID (default: cnitool-style hash of the netns path)")
	noValidate := flag.Bool("no-validate", false, "skip ValidateNetworkList before ADD")
	flag.Usage = usage
	flag.Parse()
	args := flag.Args()
	if len(args) < 2 {
		usage()
	}
	verb, netName := args[0], args[1]
	netns := ""
	if len(args) > 2 {
		netns = args[2]
	}
	if netns != "" {
		abs, err := filepath.Abs(netns)
		if err != nil {
			fail(err)
		}
		netns = abs
	}
	containerID := *id
	if containerID == "" {
		if netns == "" {
			fmt.Fprintln(os.Stderr, "cnidrive: need NETNS or -id")
			os.Exit(2)
		}
		sum := sha512.Sum512([]byte(netns))
		containerID = fmt.Sprintf("cnitool-%x", sum[:10])
	}

	list, err := libcni.LoadConfList(*confDir, netName)
	if err != nil {
		fail(err)
	}
	var path []string
	if p := os.Getenv("CNI_PATH"); p != "" {
		path = filepath.SplitList(p)
	}
	cni := libcni.NewCNIConfigWithCacheDir(path, *cacheDir, nil)

	cniArgs, err := parseArgs(os.Getenv("CNI_ARGS"))
	if err != nil {
		fail(err)
	}
	capArgs := map[string]interface{}{}
	if s := os.Getenv("CAP_ARGS"); s != "" {
		if err := json.Unmarshal([]byte(s), &capArgs); err != nil {
			fail(fmt.Errorf("CAP_ARGS: %w", err))
		}
	}
	rt := &libcni.RuntimeConf{
		ContainerID:    containerID,
		NetNS:          netns,
		IfName:         *ifName,
		Args:           cniArgs,
		CapabilityArgs: capArgs,
	}
	ctx := context.Background()

	switch verb {
	case "add":
		if !*noValidate {
			if _, err := cni.ValidateNetworkList(ctx, list); err != nil {
				fail(fmt.Errorf("validate: %w", err))
			}
		}
		res, err := cni.AddNetworkList(ctx, list, rt)
		if err != nil {
			fail(err)
		}
		if err := res.Print(); err != nil {
			fail(err)
		}
		fmt.Println()
	case "check":
		if err := cni.CheckNetworkList(ctx, list, rt); err != nil {
			fail(err)
		}
	case "del":
		if err := cni.DelNetworkList(ctx, list, rt); err != nil {
			fail(err)
		}
	case "validate":
		caps, err := cni.ValidateNetworkList(ctx, list)
		if err != nil {
			fail(err)
		}
		sort.Strings(caps)
		printJSON(caps)
	case "versions":
		out := map[string][]string{}
		for _, p := range list.Plugins {
			vi, err := cni.GetVersionInfo(ctx, p.Network.Type)
			if err != nil {
				fail(err)
			}
			out[p.Network.Type] = vi.SupportedVersions()
		}
		printJSON(out)
	case "cached":
		res, err := cni.GetNetworkListCachedResult(list, rt)
		if err != nil {
			fail(err)
		}
		if res == nil {
			fail(fmt.Errorf("no cached result"))
		}
		if err := res.Print(); err != nil {
			fail(err)
		}
		fmt.Println()
	case "cachedconf":
		conf, crt, err := cni.GetNetworkListCachedConfig(list, rt)
		if err != nil {
			fail(err)
		}
		if conf == nil {
			fail(fmt.Errorf("no cached config"))
		}
		var confObj interface{}
		if err := json.Unmarshal(conf, &confObj); err != nil {
			fail(err)
		}
		printJSON(map[string]interface{}{"config": confObj, "runtime": crt})
	default:
		usage()
	}
}
