package identityaudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/idplane/idplane/server/api"
)

// Terraform is a `terraform show -json` document: a state, or a saved plan
// (which has planned_values, prior_state and resource_changes).
type Terraform struct {
	Source string // api.AuditSourceState or api.AuditSourcePlan
	// Before is the state a plan starts from (empty for a state); After is
	// the state, or what the plan leads to.
	Before, After *Model
}

type tfDocument struct {
	Values          *tfValues                   `json:"values"`
	PlannedValues   *tfValues                   `json:"planned_values"`
	PriorState      *struct{ Values *tfValues } `json:"prior_state"`
	ResourceChanges []tfResourceChange          `json:"resource_changes"`
	Configuration   *tfConfiguration            `json:"configuration"`
}

type tfValues struct {
	RootModule tfModule `json:"root_module"`
}

type tfModule struct {
	Address      string       `json:"address"`
	Resources    []tfResource `json:"resources"`
	ChildModules []tfModule   `json:"child_modules"`
}

// tfResource is one resource instance and its attribute values; Unknown
// holds the attributes a plan knows only after apply.
type tfResource struct {
	Address       string         `json:"address"`
	ModuleAddress string         `json:"-"`
	Mode          string         `json:"mode"`
	Type          string         `json:"type"`
	Name          string         `json:"name"`
	Index         any            `json:"index"`
	Values        map[string]any `json:"values"`
	Unknown       map[string]any `json:"-"`
}

type tfResourceChange struct {
	Address       string `json:"address"`
	ModuleAddress string `json:"module_address"`
	Mode          string `json:"mode"`
	Type          string `json:"type"`
	Name          string `json:"name"`
	Index         any    `json:"index"`
	Change        struct {
		Before       map[string]any `json:"before"`
		After        map[string]any `json:"after"`
		AfterUnknown map[string]any `json:"after_unknown"`
	} `json:"change"`
}

// ReadTerraform reads `terraform show -json` output of a state or a saved
// plan, and builds the model of each side.
func ReadTerraform(r io.Reader) (*Terraform, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read terraform JSON: %w", err)
	}
	var doc tfDocument
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not the output of `terraform show -json`: %w", err)
	}
	if doc.PlannedValues != nil || doc.ResourceChanges != nil || doc.PriorState != nil {
		return readPlan(&doc)
	}
	if doc.Values == nil && !bytes.Contains(data, []byte(`"format_version"`)) {
		return nil, errors.New("not the output of `terraform show -json`: no values, planned_values or resource_changes")
	}
	var resources []tfResource
	if doc.Values != nil {
		resources = flatten(doc.Values.RootModule)
	}
	after, err := buildModel(resources, nil)
	if err != nil {
		return nil, err
	}
	return &Terraform{Source: api.AuditSourceState, Before: &Model{}, After: after}, nil
}

func readPlan(doc *tfDocument) (*Terraform, error) {
	var before, after []tfResource
	for _, rc := range doc.ResourceChanges {
		if rc.Mode != "managed" {
			continue
		}
		base := tfResource{Address: rc.Address, ModuleAddress: rc.ModuleAddress, Mode: rc.Mode, Type: rc.Type, Name: rc.Name, Index: rc.Index}
		if rc.Change.Before != nil {
			b := base
			b.Values = rc.Change.Before
			before = append(before, b)
		}
		if rc.Change.After != nil {
			a := base
			a.Values, a.Unknown = rc.Change.After, rc.Change.AfterUnknown
			after = append(after, a)
		}
	}
	bm, err := buildModel(before, nil)
	if err != nil {
		return nil, fmt.Errorf("state before the plan: %w", err)
	}
	am, err := buildModel(after, newReferences(doc.Configuration, after))
	if err != nil {
		return nil, fmt.Errorf("state after the plan: %w", err)
	}
	return &Terraform{Source: api.AuditSourcePlan, Before: bm, After: am}, nil
}

func flatten(m tfModule) []tfResource {
	var out []tfResource
	for _, r := range m.Resources {
		if r.Mode == "managed" {
			r.ModuleAddress = m.Address
			out = append(out, r)
		}
	}
	for _, c := range m.ChildModules {
		out = append(out, flatten(c)...)
	}
	return out
}
