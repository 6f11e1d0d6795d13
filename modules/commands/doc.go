// Package commands holds the modules that run what the task says: command,
// shell, raw and script.
package commands
