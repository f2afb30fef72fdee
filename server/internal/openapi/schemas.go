package openapi

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
)

var timeType = reflect.TypeFor[time.Time]()

// schemas turns Go types into component schemas named after the type, so
// every use of api.Project is a $ref to #/components/schemas/Project.
type schemas struct {
	gen        *openapi3gen.Generator
	components openapi3.Schemas
}

func newSchemas() *schemas {
	return &schemas{
		gen: openapi3gen.NewGenerator(
			openapi3gen.CreateComponentSchemas(openapi3gen.ExportComponentSchemasOptions{
				ExportComponentSchemas: true,
				ExportTopLevelSchema:   true,
			}),
			openapi3gen.SchemaCustomizer(nullableStructRefs),
		),
		components: openapi3.Schemas{},
	}
}

// ref returns the schema of v's type: a $ref for structs, which are added
// to the components, and an inline schema otherwise.
func (s *schemas) ref(v any) (*openapi3.SchemaRef, error) {
	ref, err := s.gen.NewSchemaRefForValue(v, s.components)
	if err != nil {
		return nil, fmt.Errorf("schema of %T: %w", v, err)
	}
	if ref == nil {
		return nil, fmt.Errorf("schema of %T: type has no JSON representation", v)
	}
	if ref.Ref != "" {
		name := strings.TrimPrefix(ref.Ref, componentsPath+"schemas/")
		if _, ok := s.components[name]; !ok {
			return nil, fmt.Errorf("schema of %T: %s has no JSON fields", v, name)
		}
	}
	return ref, nil
}

// nullableStructRefs marks properties holding a pointer to a struct as
// nullable. openapi3gen does so for other pointers, but a struct becomes a
// $ref, whose siblings OpenAPI 3.0 ignores, so the $ref is wrapped in allOf.
func nullableStructRefs(_ string, t reflect.Type, _ reflect.StructTag, schema *openapi3.Schema) error {
	if t.Kind() != reflect.Struct || t == timeType {
		return nil
	}
	for _, f := range jsonFields(t) {
		ft := f.Type
		if ft.Kind() != reflect.Pointer || ft.Elem().Kind() != reflect.Struct || ft.Elem() == timeType {
			continue
		}
		prop := schema.Properties[f.name]
		if prop == nil || prop.Ref == "" {
			continue
		}
		wrapped := &openapi3.Schema{AllOf: openapi3.SchemaRefs{prop}, Nullable: true}
		schema.Properties[f.name] = wrapped.NewRef()
	}
	return nil
}

type jsonField struct {
	reflect.StructField
	name string
}

// jsonFields lists the fields of struct t that openapi3gen turns into
// properties: exported fields with a json tag, embedded structs without a
// json name flattened, as encoding/json does.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if tag == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				out = append(out, jsonFields(et)...)
			}
			continue
		}
		if !f.IsExported() || tag == "" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{StructField: f, name: name})
	}
	return out
}

// queryParameters describes the fields of struct q that have a `query` tag.
func queryParameters(q any) (openapi3.Parameters, error) {
	t := reflect.TypeOf(q)
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("query type %s is not a struct", t)
	}
	var out openapi3.Parameters
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("query"), ",")
		if name == "" || name == "-" {
			continue
		}
		s, err := querySchema(f.Type)
		if err != nil {
			return nil, fmt.Errorf("query parameter %s: %w", name, err)
		}
		out = append(out, &openapi3.ParameterRef{Value: openapi3.NewQueryParameter(name).WithSchema(s)})
	}
	return out, nil
}

func querySchema(t reflect.Type) (*openapi3.Schema, error) {
	if t == timeType {
		return openapi3.NewDateTimeSchema(), nil
	}
	switch t.Kind() {
	case reflect.String:
		return openapi3.NewStringSchema(), nil
	case reflect.Bool:
		return openapi3.NewBoolSchema(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return openapi3.NewIntegerSchema(), nil
	}
	return nil, fmt.Errorf("unsupported type %s", t)
}
