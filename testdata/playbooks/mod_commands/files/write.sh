#!/bin/sh
mkdir -p /tmp/conf/mod_commands
echo "script $1" > /tmp/conf/mod_commands/script.out
echo ran
