#!/usr/bin/env bash
# The published workflow .github/workflows/pipeline.yml under act (github.com/nektos/act, built from its Go
# module at the version pinned in scripts/lab/tools/act), on this machine, as a push to main of
# banicr/demo-actions: test -> build -> e2e (a real kind cluster) -> gitops, against the TLS registry, the
# SSH git host and kind of scripts/infra.sh and scripts/kind/kind.sh. The workflow is run as it is; what it
# takes from GitHub comes from this machine:
#   - actions/checkout and actions/setup-python: local stand-ins (__tests__/fixtures/act, each saying what
#     it copies of the real action), given with act's --local-repository; the checkout of
#     banicr/demo-actions is this working tree, and so is every `uses: banicr/demo-actions/...@v1`;
#   - the registry, kind's node image, the GitOps repository and its host keys, the build's base image:
#     repository variables (vars file), as a repository owner would set them;
#   - the registry password (as GITHUB_TOKEN, which build-push logs in with) and the deploy key: a secrets
#     file, in a 0700 folder removed at exit;
#   - keyless signing: act gives jobs no OIDC token, so the runner's token variables point at the local
#     Sigstore's stand-in for GitHub's token service (scripts/sigstore), whose tokens name this workflow of
#     banicr/demo-actions; its Fulcio, timestamp authority and trusted root are repository variables
#     (SIGSTORE_*), as an owner of a private Sigstore would set them;
#   - the registry's CA: the job containers see this machine's /etc/docker/certs.d (read-only), as steps on
#     a self-hosted runner whose Docker trusts the registry do (build-push's and gitops-bump's own registry
#     calls trust the CA there, as the docker engine does).
#   npm run act                              container mode: each job in the runner image (runner-image.sh)
#   npm run act -- --host                    host mode (-P ubuntu-latest=-self-hosted): steps on this machine
#   npm run act -- [--host] -W FILE ...      another workflow; other arguments go to act
#   npm run act -- --event NAME FILE ...     another event (pull_request ...) with its payload
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=container
if [ "${1:-}" = --host ]; then mode=host; shift; fi
event=push
event_file=
if [ "${1:-}" = --event ]; then event=$2; event_file=$3; shift 3; fi
bash scripts/infra.sh up >&2
bash scripts/kind/kind.sh up >&2
bash scripts/sigstore/sigstore.sh up >&2
act_bin=$(bash scripts/lab/build.sh act)/act
set -a
source "${DEMO_ACTIONS_INFRA:-/tmp/demo-actions-infra}/env"
source "${DEMO_ACTIONS_KIND:-/tmp/demo-actions-kind}/env"
source "${DEMO_ACTIONS_SIGSTORE:-/tmp/demo-actions-sigstore}/env"
set +a
# the claims GitHub's token would carry for this workflow run (the stand-in's defaults name another repository)
claims=$(printf '{"repository":"banicr/demo-actions","job_workflow_ref":"banicr/demo-actions/.github/workflows/pipeline.yml@refs/heads/main","workflow_ref":"banicr/demo-actions/.github/workflows/pipeline.yml@refs/heads/main"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')
id_token_url="$OIDC_ISSUER/token/$claims?api-version=2.0"
private=$(mktemp -d)
chmod 700 "$private"
# act mounts a named volume, act-toolcache, at /opt/hostedtoolcache in container mode and keeps it between
# runs; Docker fills a new volume from the image, so a kept one would hide a newer runner image's Node
# (it lives there) behind the old one. It goes with the run (not while another run uses it).
trap 'rm -rf "$private"; docker volume rm act-toolcache >/dev/null 2>&1 || true' EXIT

# A GitOps repository of its own on the SSH host, seeded from example/gitops (the image on the registry).
repo="$GIT_ROOT/act-$(date +%s%N).git"
git init -q --bare -b main "$repo"
git -C "$repo" config receive.denyNonFastForwards true
seed="$private/seed"
git init -q -b main "$seed"
cp -R example/gitops/. "$seed/"
git -C "$seed" add -A
git -C "$seed" -c user.name=seed -c user.email=seed@localhost commit -q -m seed
git -C "$seed" push -q "$repo" main

# The stand-ins, with this working tree as banicr/demo-actions for the checkout of the stages. The same
# copy (the files git knows, no node_modules) is what `uses: banicr/demo-actions/<stage>@v1` resolves to:
# act copies the whole folder into the job container for every such step (about 8 s for the working tree
# with node_modules, well under 1 s for this), and a user's runner gets the repository's files, not ours.
actions="$private/actions"
mkdir -p "$actions"
cp -R __tests__/fixtures/act/checkout __tests__/fixtures/act/setup-python "$actions/"
stages="$actions/checkout/repos/banicr/demo-actions"
mkdir -p "$stages"
git ls-files -z --cached --others --exclude-standard | grep -zv '^__tests__/fixtures/act/' |
  tar --null -T - -c 2>/dev/null | tar -x -C "$stages"
# ... and the example's GitOps repository as banicr/demo_gitops, which a caller's e2e job checks out (the
# workflow's default) to rehearse the upgrade from its production values
mkdir -p "$actions/checkout/repos/banicr/demo_gitops"
cp -R example/gitops/. "$actions/checkout/repos/banicr/demo_gitops/"
pin() { grep -o "uses: $1@[0-9a-f]\{40\}" .github/workflows/pipeline.yml | head -1 | cut -d' ' -f2; }

# act reads both files as dotenv: a double-quoted value keeps its newlines written as \n.
quoted() { python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))'; }
(umask 077
  {
    echo "GITHUB_TOKEN=$(printf %s "$REGISTRY_PASSWORD" | quoted)"
    echo "GITOPS_DEPLOY_KEY=$(quoted <"$SSH_KEY")"
  } >"$private/secrets"
  {
    echo "IMAGE=$REGISTRY/act/demo-flask-app"
    echo "KIND_NODE_IMAGE=$KIND_NODE_IMAGE"
    echo "BUILD_ARGS=BASE_IMAGE=$PYTHON_IMAGE"
    echo "GITOPS_REPOSITORY=ssh://$(id -un)@127.0.0.1:$SSH_PORT$repo"
    echo "GITOPS_KNOWN_HOSTS=$(quoted <"$SSH_KNOWN_HOSTS")"
    echo "SIGSTORE_FULCIO_URL=$FULCIO_URL"
    echo "SIGSTORE_REKOR_URL=none"
    echo "SIGSTORE_TSA_URL=$TSA_URL"
    echo "SIGSTORE_OIDC_ISSUER=$OIDC_ISSUER"
    echo "SIGSTORE_TRUSTED_ROOT=$(quoted <"$TRUSTED_ROOT")"
  } >"$private/vars"
  if [ -n "$event_file" ]; then cp "$event_file" "$private/event.json"; else
    printf '{"ref": "refs/heads/main", "repository": {"full_name": "banicr/demo-actions", "default_branch": "main"}}\n' >"$private/event.json"
  fi
)
if [ "$mode" = container ]; then
  platform=$(bash scripts/act/runner-image.sh)
else
  platform=-self-hosted
  # host mode runs the steps with this environment: kind, kubectl and helm of the tests
  export PATH="$(dirname "$KIND"):$(dirname "$HELM"):$(dirname "$KUBECTL"):$PATH"
fi
echo "act $("$act_bin" --version | awk '{print $3}') ($mode mode, -P ubuntu-latest=$platform), GitOps repository $repo" >&2
set -x
# --rm: a failed job's container is removed too (act keeps it by default, for a look inside)
"$act_bin" "$event" -W .github/workflows/pipeline.yml -P "ubuntu-latest=$platform" --pull=false --rm \
  -e "$private/event.json" --env GITHUB_REPOSITORY=banicr/demo-actions --actor "$REGISTRY_USER" \
  --secret-file "$private/secrets" --var-file "$private/vars" \
  --container-options "--volume /etc/docker/certs.d:/etc/docker/certs.d:ro" \
  --env "ACTIONS_ID_TOKEN_REQUEST_URL=$id_token_url" --env "ACTIONS_ID_TOKEN_REQUEST_TOKEN=$ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  --local-repository "$(pin actions/checkout)=$actions/checkout" \
  --local-repository "$(pin actions/setup-python)=$actions/setup-python" \
  --local-repository "banicr/demo-actions@v1=$stages" "$@"
