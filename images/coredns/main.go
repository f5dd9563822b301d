// A CoreDNS build with only the plugins that kubeadm's default Corefile uses
// (plus bind, log, rewrite, hosts, whoami), to cut compile time for the offline
// kind node image. Built by scripts/build-offline.sh against
// github.com/coredns/coredns at the version pinned in scripts/versions.env.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/caddy/onevent"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/hosts"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/rewrite"
	_ "github.com/coredns/coredns/plugin/whoami"
)

// Same relative order as upstream plugin.cfg (core/dnsserver/zdirectives.go);
// the order decides the plugin chain.
func init() {
	dnsserver.Directives = []string{
		"reload", "bind", "ready", "health", "prometheus", "errors", "log",
		"loadbalance", "cache", "rewrite", "hosts", "kubernetes", "loop",
		"forward", "whoami",
	}
}

func main() {
	coremain.Run()
}
