// The program every corpus Dockerfile builds. It prints what an image change could alter: the
// greeting from the environment and how it was started, so original and fixed images can be compared.
package main

import (
	"fmt"
	"os"
)

func main() {
	greeting := os.Getenv("GREETING")
	if greeting == "" {
		greeting = "hello"
	}
	fmt.Printf("%s from the corpus app (argv0=%s)\n", greeting, os.Args[0])
}
