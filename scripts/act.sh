#!/usr/bin/env bash
# The reference pipeline under act (github.com/nektos/act, pinned in scripts/lab/tools/act), on this
# machine: example/act/pipeline.yml's jobs test -> build -> gitops run the local stages on the host
# (-P ubuntu-latest=-self-hosted) against the TLS registry and SSH git host of scripts/infra.sh, with a
# GitOps repository seeded from example/gitops. The vars and secrets files are written to a 0700 folder
# and removed at exit. Extra arguments go to act (say --input app-directory=DIR).
#   npm run act [-- ACT-ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/infra.sh up
act_bin=$(bash scripts/lab/build.sh act)/act
set -a; source "${DEMO_ACTIONS_INFRA:-/tmp/demo-actions-infra}/env"; set +a

private=$(mktemp -d); chmod 700 "$private"
trap 'rm -rf "$private"' EXIT
# A GitOps repository of its own on the SSH host, seeded from example/gitops.
repo="$GIT_ROOT/act-$(date +%s)-$$.git"
git init -q --bare -b main "$repo"
seed="$private/seed"
git init -q -b main "$seed"
cp -R example/gitops/. "$seed/"
git -C "$seed" add -A
git -C "$seed" -c user.name=seed -c user.email=seed@localhost commit -q -m seed
git -C "$seed" push -q "$repo" main

# act reads both files as dotenv: a double-quoted value keeps its newlines written as \n.
quoted() { python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))'; }
(umask 077
  {
    echo "REGISTRY_PASSWORD=$(printf %s "$REGISTRY_PASSWORD" | quoted)"
    echo "GITOPS_DEPLOY_KEY=$(quoted <"$SSH_KEY")"
  } >"$private/secrets"
  {
    echo "PYTHON=$PYTHON"
    echo "IMAGE=$REGISTRY/act/demo-flask-app"
    echo "BASE_IMAGE=$PYTHON_IMAGE"
    echo "REGISTRY_USER=$REGISTRY_USER"
    echo "GITOPS_REPOSITORY=ssh://$(id -un)@127.0.0.1:$SSH_PORT$repo"
    echo "GITOPS_KNOWN_HOSTS=$(quoted <"$SSH_KNOWN_HOSTS")"
  } >"$private/vars"
)
echo "act $("$act_bin" --version | awk '{print $3}'), GitOps repository $repo" >&2
# Host mode runs the steps with this environment: helm (for gitops-bump's validation) from infra.sh.
export PATH="$(dirname "$HELM"):$PATH"
set -x
"$act_bin" workflow_dispatch -W example/act/pipeline.yml -P ubuntu-latest=-self-hosted \
  --secret-file "$private/secrets" --var-file "$private/vars" "$@"
