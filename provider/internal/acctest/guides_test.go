package acctest_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
	"gopkg.in/yaml.v3"

	"github.com/idplane/idplane/provider/internal/acctest"
	"github.com/idplane/idplane/server/api"
	"github.com/idplane/idplane/server/idptest"
	"github.com/idplane/idplane/server/servertest"
)

// The CI guides run as written: the guide's Terraform files create the
// pipeline's identities, and each workflow job logs in with exactly the
// environment its YAML in docs/ sets (only the host and GitHub's issuer
// point at local stand-ins), against a real server and a GitHub-Actions-like
// token endpoint.

const (
	docsDir = "../../../docs"
	// The guides' placeholders for the idplane server and GitHub's issuer.
	guideHost    = "https://idplane.example.com"
	githubIssuer = "https://token.actions.githubusercontent.com"
)

// The claims GitHub Actions puts in the ID token of a pull request's job and
// of a push to main in acme/infra.
var (
	pullRequestClaims = map[string]any{"sub": "repo:acme/infra:pull_request", "repository": "acme/infra",
		"event_name": "pull_request", "ref": "refs/pull/7/merge", "workflow": "infra", "actor": "dev", "sha": "0a1b2c"}
	mainPushClaims = map[string]any{"sub": "repo:acme/infra:ref:refs/heads/main", "repository": "acme/infra",
		"event_name": "push", "ref": "refs/heads/main", "workflow": "infra", "actor": "dev", "sha": "3d4e5f"}
)

func TestCIAuthenticationGuide(t *testing.T) {
	idp := idptest.New(t)
	env := acctest.NewWith(t, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true, OutboundRoots: idp.CertPool()})
	ctx := context.Background()
	vars := applyCIIdentities(t, env, "ci-oidc", githubIssuer, idp.URL)

	ci := githubWorkflow(t, filepath.Join(docsDir, "guides", "ci-authentication.md"), "apply")
	repo := t.TempDir()
	copyTF(t, filepath.Join(examplesDir, "quickstart"), repo, nil)

	// A push to main: the apply job creates everything.
	idp.SetGitHubClaims(mainPushClaims)
	apply := ciRunner(t, repo, ci.loginEnv(t, "apply", vars, env.Server.URL, idp))
	if err := apply.Apply(ctx); err != nil {
		t.Fatalf("the apply job's terraform apply: %v", err)
	}
	wantLogin(t, env, vars["IDPLANE_APPLY_IDENTITY_ID"], "repository", "push")

	// A pull request: the plan job reads every project's environments,
	// roles and memberships without a membership, and can apply nothing.
	idp.SetGitHubClaims(pullRequestClaims)
	plan := ciRunner(t, repo, ci.loginEnv(t, "plan", vars, env.Server.URL, idp))
	changes, err := plan.Plan(ctx)
	if err != nil || changes {
		t.Fatalf("the plan job's terraform plan after apply: changes %t, error %v", changes, err)
	}
	wantLogin(t, env, vars["IDPLANE_PLAN_IDENTITY_ID"], "repository", "pull request")
	editRoles(t, repo)
	if changes, err := plan.Plan(ctx); err != nil || !changes {
		t.Fatalf("the plan job's plan of a change: changes %t, error %v", changes, err)
	}
	if err := plan.Apply(ctx); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("the plan identity applied a change: want a 403, got %v", err)
	}

	// The identity-audit guide's review job plans as the same identity.
	review := githubWorkflow(t, filepath.Join(docsDir, "guides", "identity-audit.md"), "audit")
	audit := ciRunner(t, repo, review.loginEnv(t, "audit", vars, env.Server.URL, idp))
	out := filepath.Join(repo, "plan.out")
	if _, err := audit.Plan(ctx, tfexec.Out(out)); err != nil {
		t.Fatalf("the review job's terraform plan: %v", err)
	}
	if p, err := audit.ShowPlanFile(ctx, out); err != nil || p.ResourceChanges == nil {
		t.Fatalf("the review job's terraform show -json: %v", err)
	}
	// Its idplane audit gate, run as the YAML writes it: a pull request that
	// edits descriptions introduces no finding, so the gate lets it through.
	review.runSteps(t, "audit", repo, review.loginEnv(t, "audit", vars, env.Server.URL, idp), "terraform show", "idplane audit")
	if md, err := os.ReadFile(filepath.Join(repo, "audit.md")); err != nil || !strings.Contains(string(md), "Findings introduced") {
		t.Fatalf("the review job's audit.md: %v\n%s", err, md)
	}

	// A push to main applies the pull request.
	idp.SetGitHubClaims(mainPushClaims)
	if err := apply.Apply(ctx); err != nil {
		t.Fatalf("the apply job's apply of the change: %v", err)
	}
}

// The GitLab half of the CI guide: its identities bound to GitLab's
// claims, and its pipeline's jobs with the variables and ID token their
// YAML declares.
func TestCIAuthenticationGuideGitLab(t *testing.T) {
	idp := idptest.New(t)
	env := acctest.NewWith(t, servertest.Options{Backend: servertest.Postgres, AllowInternalOutbound: true, OutboundRoots: idp.CertPool()})
	ctx := context.Background()
	vars := applyCIIdentities(t, env, "ci-oidc-gitlab", gitlabIssuer, idp.URL)
	pipeline := gitlabPipeline(t, filepath.Join(docsDir, "guides", "ci-authentication.md"))
	repo := t.TempDir()
	copyTF(t, filepath.Join(examplesDir, "quickstart"), repo, nil)

	mainPush := map[string]any{"project_path": "acme/infra", "ref": "main", "ref_type": "branch", "ref_protected": "true",
		"pipeline_source": "push", "sha": "3d4e5f", "user_login": "dev"}
	apply := ciRunner(t, repo, pipeline.jobEnv(t, "apply", vars, env.Server.URL, idp, "project_path:acme/infra:ref_type:branch:ref:main", mainPush))
	if err := apply.Apply(ctx); err != nil {
		t.Fatalf("the apply job's terraform apply: %v", err)
	}
	wantLogin(t, env, vars["IDPLANE_APPLY_IDENTITY_ID"], "project_path", "push to main")

	mergeRequest := map[string]any{"project_path": "acme/infra", "ref": "feature-x", "ref_type": "branch", "ref_protected": "false",
		"pipeline_source": "merge_request_event", "sha": "0a1b2c", "user_login": "dev"}
	plan := ciRunner(t, repo, pipeline.jobEnv(t, "plan", vars, env.Server.URL, idp, "project_path:acme/infra:ref_type:branch:ref:feature-x", mergeRequest))
	if changes, err := plan.Plan(ctx); err != nil || changes {
		t.Fatalf("the plan job's terraform plan after apply: changes %t, error %v", changes, err)
	}
	wantLogin(t, env, vars["IDPLANE_PLAN_IDENTITY_ID"], "project_path", "merge request")
	editRoles(t, repo)
	if changes, err := plan.Plan(ctx); err != nil || !changes {
		t.Fatalf("the plan job's plan of a change: changes %t, error %v", changes, err)
	}
	if err := plan.Apply(ctx); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("the plan identity applied a change: want a 403, got %v", err)
	}
}

// editRoles is a change a pull request makes to the quickstart copied into
// repo: the project roles' descriptions.
func editRoles(t *testing.T, repo string) {
	t.Helper()
	roles := filepath.Join(repo, "roles.tf")
	data, err := os.ReadFile(roles)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.ReplaceAll(string(data), "Application servers:", "Application servers (edited):")
	if edited == string(data) {
		t.Fatal("the quickstart's roles.tf no longer describes application servers: change what the test edits")
	}
	if err := os.WriteFile(roles, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
}

const gitlabIssuer = "https://gitlab.com"

// pipeline is a GitLab CI configuration as far as a job's login goes:
// top-level variables, and jobs with their ID tokens and variables.
type pipeline struct {
	variables map[string]string
	jobs      map[string]gitlabJob
}

type gitlabJob struct {
	IDTokens map[string]struct {
		Aud string `yaml:"aud"`
	} `yaml:"id_tokens"`
	Variables map[string]string `yaml:"variables"`
	Script    []string          `yaml:"script"`
}

// gitlabPipeline parses the YAML block of the Markdown file that holds a
// GitLab CI configuration (jobs with id_tokens).
func gitlabPipeline(t *testing.T, markdown string) pipeline {
	t.Helper()
	for _, block := range fencedBlocks(t, markdown, "yaml") {
		var top struct {
			Variables map[string]string `yaml:"variables"`
		}
		var entries map[string]gitlabJob
		if err := yaml.Unmarshal([]byte(block), &top); err != nil {
			continue // a GitHub workflow: its "on" is not a GitLab job
		}
		if err := yaml.Unmarshal([]byte(block), &entries); err != nil {
			continue
		}
		p := pipeline{variables: top.Variables, jobs: map[string]gitlabJob{}}
		for name, j := range entries {
			if len(j.Script) > 0 && len(j.IDTokens) > 0 {
				p.jobs[name] = j
			}
		}
		if len(p.jobs) > 0 {
			return p
		}
	}
	t.Fatalf("%s holds no GitLab CI job with id_tokens", markdown)
	return pipeline{}
}

var ciVariable = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

// jobEnv is the environment GitLab gives the job's script: the top-level
// variables, the job's over them ($NAME expanded from the CI/CD variables
// vars), IDPLANE_HOST pointed at host, and each ID token the job declares,
// signed by the local issuer with its aud, subject sub and claims.
func (p pipeline) jobEnv(t *testing.T, job string, vars map[string]string, host string, idp *idptest.IdP, sub string, claims map[string]any) map[string]string {
	t.Helper()
	j, ok := p.jobs[job]
	if !ok {
		t.Fatalf("the GitLab pipeline has no job %q with id_tokens", job)
	}
	env := map[string]string{}
	for _, m := range []map[string]string{p.variables, j.Variables} {
		for k, v := range m {
			env[k] = ciVariable.ReplaceAllStringFunc(v, func(e string) string {
				name := ciVariable.FindStringSubmatch(e)[1]
				val, ok := vars[name]
				if !ok {
					t.Fatalf("job %s reads $%s, which the guide's configuration does not output", job, name)
				}
				return val
			})
		}
	}
	if env[api.EnvHost] != guideHost {
		t.Fatalf("job %s sets %s=%q, want the guide's %s", job, api.EnvHost, env[api.EnvHost], guideHost)
	}
	env[api.EnvHost] = host
	for name, tok := range j.IDTokens {
		if tok.Aud == "" {
			t.Fatalf("job %s requests ID token %s without an aud", job, name)
		}
		env[name] = idp.Token(sub, []string{tok.Aud}, claims)
	}
	return env
}

// applyCIIdentities applies a CI guide's configuration (dir under
// examples/guides) as the admin, with the CI system's issuer replaced by
// the local one, and returns the variables the pipelines read: the
// identities' IDs.
func applyCIIdentities(t *testing.T, env *acctest.Env, dir, issuer, localIssuer string) map[string]string {
	t.Helper()
	work := t.TempDir()
	copyTF(t, filepath.Join(examplesDir, "guides", dir), work, map[string]string{issuer: localIssuer})
	tf := ciRunner(t, work, map[string]string{
		api.EnvHost: env.Server.URL, api.EnvClientID: env.Server.Bootstrap.ClientID, api.EnvClientSecret: env.Server.Bootstrap.ClientSecret,
	})
	ctx := context.Background()
	if err := tf.Apply(ctx); err != nil {
		t.Fatalf("apply the CI guide's identities: %v", err)
	}
	outs, err := tf.Output(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for name, variable := range map[string]string{"plan_identity_id": "IDPLANE_PLAN_IDENTITY_ID", "apply_identity_id": "IDPLANE_APPLY_IDENTITY_ID"} {
		o, ok := outs[name]
		if !ok {
			t.Fatalf("the CI guide's configuration has no output %s", name)
		}
		vars[variable] = strings.Trim(string(o.Value), `"`)
	}
	return vars
}

// copyTF copies the .tf files of src into dst, replacing each key of
// replace by its value.
func copyTF(t *testing.T, src, dst string, replace map[string]string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(src, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s", src)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		for from, to := range replace {
			if !strings.Contains(s, from) && filepath.Base(f) == "main.tf" {
				t.Fatalf("%s does not name %s", f, from)
			}
			s = strings.ReplaceAll(s, from, to)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// ciRunner is terraform in dir with exactly the environment env (plus the
// local provider build): nothing of the test's own environment leaks in.
func ciRunner(t *testing.T, dir string, env map[string]string) *tfexec.Terraform {
	t.Helper()
	tf, err := tfexec.NewTerraform(dir, os.Getenv("TF_ACC_TERRAFORM_PATH"))
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]string{"TF_CLI_CONFIG_FILE": cliConfig(t), "CHECKPOINT_DISABLE": "1"}
	for k, v := range env {
		all[k] = v
	}
	if err := tf.SetEnv(all); err != nil {
		t.Fatal(err)
	}
	return tf
}

// wantLogin insists that identity logged in through OIDC auth with a token
// of acme/infra, as claim (copied into the audit event) says, for what.
func wantLogin(t *testing.T, env *acctest.Env, identity, claim, what string) {
	t.Helper()
	l, err := env.API.ListAuditEvents(context.Background(), api.AuditEventFilter{Action: "login.oidc-auth", ActorID: identity})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range l.Events {
		if ev.Outcome == api.OutcomeSuccess && ev.Metadata["claim."+claim] == "acme/infra" {
			return
		}
	}
	t.Fatalf("no successful OIDC login of identity %s for a %s of acme/infra: %+v", identity, what, l.Events)
}

// workflow is a GitHub Actions workflow as far as a job's login goes.
type workflow struct {
	Permissions map[string]string `yaml:"permissions"`
	Env         map[string]string `yaml:"env"`
	Jobs        map[string]struct {
		Permissions map[string]string `yaml:"permissions"`
		Env         map[string]string `yaml:"env"`
		Steps       []struct {
			Run string `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// githubWorkflow parses the YAML block of the Markdown file that holds a
// GitHub Actions workflow with job.
func githubWorkflow(t *testing.T, markdown, job string) workflow {
	t.Helper()
	for _, block := range fencedBlocks(t, markdown, "yaml") {
		var wf workflow
		if err := yaml.Unmarshal([]byte(block), &wf); err != nil {
			t.Fatalf("%s: a YAML block does not parse: %v\n%s", markdown, err, block)
		}
		if _, ok := wf.Jobs[job]; ok {
			return wf
		}
	}
	t.Fatalf("%s holds no workflow with a job %q", markdown, job)
	return workflow{}
}

var (
	varsExpr = regexp.MustCompile(`\$\{\{\s*vars\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)
	anyExpr  = regexp.MustCompile(`\$\{\{.*?\}\}`)
)

// loginEnv is the environment GitHub's runner gives the job's steps: the
// workflow's env, the job's over it (repository variables substituted),
// IDPLANE_HOST pointed at host, and, when the job may request an ID token,
// the runner's token endpoint (the local one, whose CA the job trusts).
func (wf workflow) loginEnv(t *testing.T, job string, vars map[string]string, host string, idp *idptest.IdP) map[string]string {
	t.Helper()
	j := wf.Jobs[job]
	terraformSteps := 0
	for _, s := range j.Steps {
		if strings.Contains(s.Run, "terraform plan") || strings.Contains(s.Run, "terraform apply") {
			terraformSteps++
		}
	}
	if terraformSteps == 0 {
		t.Fatalf("job %s runs no terraform plan or apply", job)
	}
	env := map[string]string{}
	for _, m := range []map[string]string{wf.Env, j.Env} {
		for k, v := range m {
			v = varsExpr.ReplaceAllStringFunc(v, func(e string) string {
				name := varsExpr.FindStringSubmatch(e)[1]
				val, ok := vars[name]
				if !ok {
					t.Fatalf("job %s reads vars.%s, which the guide's configuration does not output", job, name)
				}
				return val
			})
			if e := anyExpr.FindString(v); e != "" {
				t.Fatalf("job %s sets %s to %s: the test evaluates only ${{ vars.NAME }}", job, k, e)
			}
			env[k] = v
		}
	}
	if env[api.EnvHost] != guideHost {
		t.Fatalf("job %s sets %s=%q, want the guide's %s", job, api.EnvHost, env[api.EnvHost], guideHost)
	}
	env[api.EnvHost] = host
	perms := wf.Permissions
	if j.Permissions != nil {
		perms = j.Permissions
	}
	if perms["id-token"] == "write" {
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, []byte(idp.CAPEM), 0o600); err != nil {
			t.Fatal(err)
		}
		env[api.EnvGitHubTokenURL] = idp.GitHubTokenURL()
		env[api.EnvGitHubRequestToken] = idp.GitHubRequestToken()
		env["SSL_CERT_FILE"] = ca
	}
	return env
}

// runSteps runs, in dir, the job's steps whose command starts with one of
// prefixes, as the runner would (bash, the job's environment, terraform
// and idplane on the PATH), and fails the test on a step that fails.
func (wf workflow) runSteps(t *testing.T, job, dir string, env map[string]string, prefixes ...string) {
	t.Helper()
	bin := t.TempDir()
	for name, target := range map[string]string{"terraform": os.Getenv("TF_ACC_TERRAFORM_PATH"), "idplane": idplaneBinary(t)} {
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	ran := 0
	for _, s := range wf.Jobs[job].Steps {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(s.Run, p) }) {
			continue
		}
		cmd := exec.Command("bash", "-eo", "pipefail", "-c", s.Run)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + t.TempDir(), "TF_CLI_CONFIG_FILE=" + cliConfig(t), "CHECKPOINT_DISABLE=1"}
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("job %s, step %q: %v\n%s", job, s.Run, err, out)
		}
		ran++
	}
	if ran == 0 {
		t.Fatalf("job %s has no step starting with %v", job, prefixes)
	}
}

var fence = regexp.MustCompile("(?ms)^```([a-z]*)\n(.*?)^```$")

// fencedBlocks returns the fenced code blocks of lang in a Markdown file.
func fencedBlocks(t *testing.T, markdown, lang string) []string {
	t.Helper()
	data, err := os.ReadFile(markdown)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range fence.FindAllStringSubmatch(string(data), -1) {
		if m[1] == lang {
			out = append(out, m[2])
		}
	}
	return out
}

// The CI guide's custom alternative to the auditor role applies as
// written.
func TestCIAuthenticationGuideCustomRole(t *testing.T) {
	for _, block := range fencedBlocks(t, filepath.Join(docsDir, "guides", "ci-authentication.md"), "hcl") {
		if !strings.Contains(block, `resource "idplane_org_role"`) {
			continue
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(block), 0o600); err != nil {
			t.Fatal(err)
		}
		applyExample(t, dir, "")
		return
	}
	t.Fatal("the CI guide shows no custom organization role")
}
