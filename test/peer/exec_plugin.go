// Added to a build copy of a reference plugin package (test/peer/build.sh) whose own cmdAdd,
// cmdCheck and cmdDel were renamed away: the package's test suite then drives a plugin binary,
// as a runtime would. The binary is $PEER_PLUGIN_DIR/@PLUGIN@; CNI_PATH is $PEER_PLUGIN_DIR
// (so bridge finds host-local beside it). The CNI_* variables come from the suite's
// skel.CmdArgs; the result goes to os.Stdout, where testutils.CmdAdd captures it; a failure is
// the *types.Error libcni's invoke package makes of the plugin's output.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/skel"
)

const peerPlugin = "@PLUGIN@"

func peerExec(command string, args *skel.CmdArgs) error {
	dir := os.Getenv("PEER_PLUGIN_DIR")
	if dir == "" {
		return fmt.Errorf("peer: PEER_PLUGIN_DIR is not set")
	}
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CNI_") {
			env = append(env, kv)
		}
	}
	// In-process, the suite's CmdArgs.Args reached the bridge's code but never the environment,
	// so the IPAM plugin it executed saw no CNI_ARGS. Executed, the bridge hands CNI_ARGS on, and
	// host-local refuses keys it does not know ("MAC=") unless IgnoreUnknown is set: what a
	// runtime sends to pass MAC= through to a bridge, and what the suite's request means.
	cniArgs := args.Args
	if cniArgs != "" && !strings.Contains(strings.ToLower(cniArgs), "ignoreunknown=") {
		cniArgs = "IgnoreUnknown=1;" + cniArgs
	}
	env = append(env,
		"CNI_COMMAND="+command,
		"CNI_CONTAINERID="+args.ContainerID,
		"CNI_NETNS="+args.Netns,
		"CNI_IFNAME="+args.IfName,
		"CNI_ARGS="+cniArgs,
		"CNI_PATH="+dir)
	exec := &invoke.RawExec{Stderr: os.Stderr}
	out, err := exec.ExecPlugin(context.Background(), filepath.Join(dir, peerPlugin), args.StdinData, env)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(out)
	return err
}

func cmdAdd(args *skel.CmdArgs) error   { return peerExec("ADD", args) }
func cmdCheck(args *skel.CmdArgs) error { return peerExec("CHECK", args) }
func cmdDel(args *skel.CmdArgs) error   { return peerExec("DEL", args) }
