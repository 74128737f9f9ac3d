// Command ikescope explains why an IPsec tunnel did not come up, from a packet capture.
package main

import "os"

func main() { os.Exit(int(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))) }
