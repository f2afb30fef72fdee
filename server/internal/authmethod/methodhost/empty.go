package methodhost

import "reflect"

// emptyCollections replaces the nil slices and maps of the struct p points
// to, and of the structs it embeds or holds, with empty ones: a list never
// set answers [] like one emptied, not null.
func emptyCollections(p any) {
	fill(reflect.ValueOf(p).Elem())
}

func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				fill(f)
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
	}
}
