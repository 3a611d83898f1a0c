// Command coredns is CoreDNS with only the plugins the harness's cluster DNS needs: cluster.local answered from
// the API server and nothing forwarded, so no query ever leaves the machine.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

func init() {
	// The order plugins run in, as in CoreDNS's own plugin.cfg.
	dnsserver.Directives = []string{"reload", "ready", "health", "errors", "log", "cache", "kubernetes"}
}

func main() { coremain.Run() }
