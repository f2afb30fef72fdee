package identityaudit

import (
	"fmt"
	"strings"
)

// tfConfiguration is the configuration section of a plan: for each
// resource, the references of each argument's expression.
type tfConfiguration struct {
	RootModule tfConfigModule `json:"root_module"`
}

type tfConfigModule struct {
	Resources []struct {
		Address     string                        `json:"address"`
		Expressions map[string]tfConfigExpression `json:"expressions"`
		ForEach     *tfConfigExpression           `json:"for_each_expression"`
	} `json:"resources"`
	ModuleCalls map[string]struct {
		Module tfConfigModule `json:"module"`
	} `json:"module_calls"`
}

type tfConfigExpression struct {
	References []string `json:"references"`
}

// references resolves the arguments a plan knows only after apply (the ID
// of an identity created by the same plan, say) to the resource they point
// at: an object the plan creates is known by its address. A reference
// names a resource and maybe an instance key and attribute; when the key is
// computed (each.key, count.index) the instance with the referencing
// instance's key is taken, or the only instance, or the one whose key is a
// "/"-separated part of the referencing key ("app/payments" → "payments").
type references struct {
	exprs     map[string]map[string][]string // module.type.name → argument → references
	instances map[string][]*tfResource       // module.type.name → instances
}

func newReferences(cfg *tfConfiguration, resources []tfResource) *references {
	r := &references{exprs: map[string]map[string][]string{}, instances: map[string][]*tfResource{}}
	if cfg != nil {
		r.addModule("", cfg.RootModule)
	}
	for i := range resources {
		res := &resources[i]
		key := joinAddress(res.ModuleAddress, res.Type+"."+res.Name)
		r.instances[key] = append(r.instances[key], res)
	}
	return r
}

func (r *references) addModule(prefix string, m tfConfigModule) {
	for _, res := range m.Resources {
		args := map[string][]string{}
		for name, e := range res.Expressions {
			args[name] = e.References
		}
		if res.ForEach != nil {
			args[forEachArgument] = res.ForEach.References
		}
		r.exprs[joinAddress(prefix, res.Address)] = args
	}
	for name, call := range m.ModuleCalls {
		r.addModule(joinAddress(prefix, "module."+name), call.Module)
	}
}

func joinAddress(module, local string) string {
	if module == "" {
		return local
	}
	return module + "." + local
}

// forEachArgument holds the references of a resource's for_each: a
// reference to each.value is one to the instance of the resource iterated
// over with the same key.
const forEachArgument = " for_each"

// resolve returns the value argument of res will have after apply, as the
// audit knows it: a resource created by the plan is its address.
func (r *references) resolve(res *tfResource, argument string) string {
	return r.resolveDepth(res, argument, 0)
}

func (r *references) resolveDepth(res *tfResource, argument string, depth int) string {
	if argument == "id" {
		return res.Address
	}
	if depth > 8 {
		return ""
	}
	args := r.exprs[joinAddress(res.ModuleAddress, res.Type+"."+res.Name)]
	for _, ref := range args[argument] {
		if rest, ok := strings.CutPrefix(ref, "each.value"); ok {
			if len(args[forEachArgument]) == 0 {
				continue
			}
			ref = args[forEachArgument][0] + rest
		}
		target, attr, ok := r.target(res, ref)
		if !ok {
			continue
		}
		if attr == "" {
			attr = "id"
			if !strings.HasSuffix(target.Type, "_"+strings.TrimSuffix(argument, "_id")) {
				attr = argument
			}
		}
		if s, ok := target.Values[attr].(string); ok && s != "" {
			return s
		}
		return r.resolveDepth(target, attr, depth+1)
	}
	return ""
}

// target finds the instance ref points at, and the attribute it reads.
func (r *references) target(from *tfResource, ref string) (*tfResource, string, bool) {
	parts := strings.SplitN(ref, ".", 3)
	if len(parts) < 2 || !strings.HasPrefix(parts[0], "idplane_") {
		return nil, "", false
	}
	name, key, hasKey := strings.Cut(parts[1], "[")
	rest := ""
	if len(parts) == 3 {
		rest = parts[2]
	}
	if hasKey {
		// The key may itself contain dots: idplane_x.y["a.b"].id.
		full := strings.TrimPrefix(ref, parts[0]+"."+name+"[")
		end := strings.Index(full, "]")
		if end < 0 {
			return nil, "", false
		}
		key, rest = full[:end], strings.TrimPrefix(full[end+1:], ".")
	}
	attr, _, _ := strings.Cut(rest, ".")
	candidates := r.instances[joinAddress(from.ModuleAddress, parts[0]+"."+name)]
	if hasKey && (strings.HasPrefix(key, `"`) || key != "" && key[0] >= '0' && key[0] <= '9') {
		want := strings.Trim(key, `"`)
		for _, c := range candidates {
			if fmt.Sprint(c.Index) == want {
				return c, attr, true
			}
		}
		return nil, "", false
	}
	if c := pick(from, candidates); c != nil {
		return c, attr, true
	}
	return nil, "", false
}

// pick chooses among the instances of a resource referenced with a
// computed key.
func pick(from *tfResource, candidates []*tfResource) *tfResource {
	if len(candidates) == 1 {
		return candidates[0]
	}
	if from.Index == nil {
		return nil
	}
	key := fmt.Sprint(from.Index)
	for _, c := range candidates {
		if fmt.Sprint(c.Index) == key {
			return c
		}
	}
	var found *tfResource
	for _, part := range strings.Split(key, "/") {
		for _, c := range candidates {
			if fmt.Sprint(c.Index) == part {
				if found != nil && found != c {
					return nil
				}
				found = c
			}
		}
	}
	return found
}
