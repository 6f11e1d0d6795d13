// Package modules builds the registry of every module haplay ships
// (Builtin). The modules live in one package per domain beside it (files,
// commands, system, storage, network, cluster, control); the contract they
// implement (Module, Call, Result, Spec, the capability interfaces) is
// package engine/module. A module reads the current state of its host,
// computes the desired state and acts only on the difference. In check mode
// it stops after computing the difference and reports exactly what it would
// change; a module that cannot know (command without creates/removes)
// returns Skipped with a reason, never a guess.
package modules
