//! Confluent's change kinds (`Difference.Type` in `json-schema-provider/.../diff/Difference.java`)
//! and which of them each policy accepts (`COMPATIBLE_CHANGES_STRICT` / `_LENIENT` in `SchemaDiff.java`).
//!
//! A kind is named from the old schema to the new one, as Confluent names it. Whether it is
//! compatible FORWARD is whether its inverse (the kind of the same change seen from the new
//! schema) is compatible BACKWARD: Confluent checks FORWARD by swapping the two schemas.

use super::CompatibilityPolicy;

stable_codes! {
    /// What changed between two schema versions: exactly Confluent's `Difference.Type` names.
    pub enum ChangeKind {
        // Metadata
        /// `$id` changed.
        IdChanged = "ID_CHANGED",
        /// `description` changed.
        DescriptionChanged = "DESCRIPTION_CHANGED",
        /// `title` changed.
        TitleChanged = "TITLE_CHANGED",
        /// `default` changed.
        DefaultChanged = "DEFAULT_CHANGED",
        // Schemas and types
        /// A schema appeared where there was none (`items`).
        SchemaAdded = "SCHEMA_ADDED",
        /// A schema was removed (`items`).
        SchemaRemoved = "SCHEMA_REMOVED",
        /// The type accepts more (`integer` to `number`, a type removed).
        TypeExtended = "TYPE_EXTENDED",
        /// The type accepts less (`number` to `integer`, a type added).
        TypeNarrowed = "TYPE_NARROWED",
        /// The type changed to another one.
        TypeChanged = "TYPE_CHANGED",
        // Strings
        /// `maxLength` added.
        MaxLengthAdded = "MAX_LENGTH_ADDED",
        /// `maxLength` removed.
        MaxLengthRemoved = "MAX_LENGTH_REMOVED",
        /// `maxLength` increased.
        MaxLengthIncreased = "MAX_LENGTH_INCREASED",
        /// `maxLength` decreased.
        MaxLengthDecreased = "MAX_LENGTH_DECREASED",
        /// `minLength` added.
        MinLengthAdded = "MIN_LENGTH_ADDED",
        /// `minLength` removed.
        MinLengthRemoved = "MIN_LENGTH_REMOVED",
        /// `minLength` increased.
        MinLengthIncreased = "MIN_LENGTH_INCREASED",
        /// `minLength` decreased.
        MinLengthDecreased = "MIN_LENGTH_DECREASED",
        /// `pattern` (or `format`) added.
        PatternAdded = "PATTERN_ADDED",
        /// `pattern` (or `format`) removed.
        PatternRemoved = "PATTERN_REMOVED",
        /// `pattern` (or `format`) changed.
        PatternChanged = "PATTERN_CHANGED",
        // Numbers
        /// `maximum` added.
        MaximumAdded = "MAXIMUM_ADDED",
        /// `maximum` removed.
        MaximumRemoved = "MAXIMUM_REMOVED",
        /// `maximum` increased.
        MaximumIncreased = "MAXIMUM_INCREASED",
        /// `maximum` decreased.
        MaximumDecreased = "MAXIMUM_DECREASED",
        /// `minimum` added.
        MinimumAdded = "MINIMUM_ADDED",
        /// `minimum` removed.
        MinimumRemoved = "MINIMUM_REMOVED",
        /// `minimum` increased.
        MinimumIncreased = "MINIMUM_INCREASED",
        /// `minimum` decreased.
        MinimumDecreased = "MINIMUM_DECREASED",
        /// `exclusiveMaximum` added.
        ExclusiveMaximumAdded = "EXCLUSIVE_MAXIMUM_ADDED",
        /// `exclusiveMaximum` removed.
        ExclusiveMaximumRemoved = "EXCLUSIVE_MAXIMUM_REMOVED",
        /// `exclusiveMaximum` increased.
        ExclusiveMaximumIncreased = "EXCLUSIVE_MAXIMUM_INCREASED",
        /// `exclusiveMaximum` decreased.
        ExclusiveMaximumDecreased = "EXCLUSIVE_MAXIMUM_DECREASED",
        /// `exclusiveMinimum` added.
        ExclusiveMinimumAdded = "EXCLUSIVE_MINIMUM_ADDED",
        /// `exclusiveMinimum` removed.
        ExclusiveMinimumRemoved = "EXCLUSIVE_MINIMUM_REMOVED",
        /// `exclusiveMinimum` increased.
        ExclusiveMinimumIncreased = "EXCLUSIVE_MINIMUM_INCREASED",
        /// `exclusiveMinimum` decreased.
        ExclusiveMinimumDecreased = "EXCLUSIVE_MINIMUM_DECREASED",
        /// `multipleOf` added.
        MultipleOfAdded = "MULTIPLE_OF_ADDED",
        /// `multipleOf` removed.
        MultipleOfRemoved = "MULTIPLE_OF_REMOVED",
        /// `multipleOf` became a multiple of the old one (fewer values).
        MultipleOfExpanded = "MULTIPLE_OF_EXPANDED",
        /// `multipleOf` became a divisor of the old one (more values).
        MultipleOfReduced = "MULTIPLE_OF_REDUCED",
        /// `multipleOf` changed otherwise.
        MultipleOfChanged = "MULTIPLE_OF_CHANGED",
        // Object keywords
        /// A property became required.
        RequiredAttributeAdded = "REQUIRED_ATTRIBUTE_ADDED",
        /// A property with a `default` became required.
        RequiredAttributeWithDefaultAdded = "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
        /// A property is no longer required.
        RequiredAttributeRemoved = "REQUIRED_ATTRIBUTE_REMOVED",
        /// `maxProperties` added.
        MaxPropertiesAdded = "MAX_PROPERTIES_ADDED",
        /// `maxProperties` removed.
        MaxPropertiesRemoved = "MAX_PROPERTIES_REMOVED",
        /// `maxProperties` increased.
        MaxPropertiesIncreased = "MAX_PROPERTIES_INCREASED",
        /// `maxProperties` decreased.
        MaxPropertiesDecreased = "MAX_PROPERTIES_DECREASED",
        /// `minProperties` added.
        MinPropertiesAdded = "MIN_PROPERTIES_ADDED",
        /// `minProperties` removed.
        MinPropertiesRemoved = "MIN_PROPERTIES_REMOVED",
        /// `minProperties` increased.
        MinPropertiesIncreased = "MIN_PROPERTIES_INCREASED",
        /// `minProperties` decreased.
        MinPropertiesDecreased = "MIN_PROPERTIES_DECREASED",
        /// Undeclared properties were forbidden and are now allowed.
        AdditionalPropertiesAdded = "ADDITIONAL_PROPERTIES_ADDED",
        /// Undeclared properties were allowed and are now forbidden.
        AdditionalPropertiesRemoved = "ADDITIONAL_PROPERTIES_REMOVED",
        /// The schema of undeclared properties (or of a pattern) accepts more.
        AdditionalPropertiesExtended = "ADDITIONAL_PROPERTIES_EXTENDED",
        /// The schema of undeclared properties (or of a pattern) accepts less.
        AdditionalPropertiesNarrowed = "ADDITIONAL_PROPERTIES_NARROWED",
        /// A `dependentRequired` entry added.
        DependencyArrayAdded = "DEPENDENCY_ARRAY_ADDED",
        /// A `dependentRequired` entry removed.
        DependencyArrayRemoved = "DEPENDENCY_ARRAY_REMOVED",
        /// A `dependentRequired` entry requires more.
        DependencyArrayExtended = "DEPENDENCY_ARRAY_EXTENDED",
        /// A `dependentRequired` entry requires less.
        DependencyArrayNarrowed = "DEPENDENCY_ARRAY_NARROWED",
        /// A `dependentRequired` entry changed.
        DependencyArrayChanged = "DEPENDENCY_ARRAY_CHANGED",
        /// A `dependentSchemas` entry added.
        DependencySchemaAdded = "DEPENDENCY_SCHEMA_ADDED",
        /// A `dependentSchemas` entry removed.
        DependencySchemaRemoved = "DEPENDENCY_SCHEMA_REMOVED",
        // Properties and content models
        /// Deprecated upstream (split into the three kinds after it); never reported.
        PropertyAddedToOpenContentModel = "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        /// A required property added to an open object.
        RequiredPropertyAddedToOpenContentModel = "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        /// A required property with a default added to an open object.
        RequiredPropertyWithDefaultAddedToOpenContentModel = "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
        /// An optional property added to an open object.
        OptionalPropertyAddedToOpenContentModel = "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        /// A property accepting anything added to an open object.
        PropertyWithEmptySchemaAddedToOpenContentModel = "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        /// A required property added to a closed or partially open object.
        RequiredPropertyAddedToUnopenContentModel = "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        /// A required property with a default added to a closed or partially open object.
        RequiredPropertyWithDefaultAddedToUnopenContentModel = "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
        /// An optional property added to a closed or partially open object.
        OptionalPropertyAddedToUnopenContentModel = "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        /// A property removed from an open object.
        PropertyRemovedFromOpenContentModel = "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
        /// A property whose schema was `false` removed from a closed object.
        PropertyWithFalseRemovedFromClosedContentModel = "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        /// A property removed from a closed object.
        PropertyRemovedFromClosedContentModel = "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        /// A property removed, and what replaces it (a pattern, `additionalProperties`) accepts its old values.
        PropertyRemovedIsCoveredByPartiallyOpenContentModel = "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        /// A property removed, and what replaces it does not accept its old values.
        PropertyRemovedNotCoveredByPartiallyOpenContentModel = "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        /// A property added that accepts what the old pattern or `additionalProperties` accepted.
        PropertyAddedIsCoveredByPartiallyOpenContentModel = "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        /// A property added that does not accept what the old pattern or `additionalProperties` accepted.
        PropertyAddedNotCoveredByPartiallyOpenContentModel = "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        /// Registry metadata (reserved properties); never reported here.
        ReservedPropertyRemoved = "RESERVED_PROPERTY_REMOVED",
        /// Registry metadata (reserved properties); never reported here.
        ReservedPropertyConflictsWithProperty = "RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY",
        /// Unevaluated properties were forbidden and are now allowed.
        UnevaluatedPropertiesAdded = "UNEVALUATED_PROPERTIES_ADDED",
        /// Unevaluated properties were allowed and are now forbidden.
        UnevaluatedPropertiesRemoved = "UNEVALUATED_PROPERTIES_REMOVED",
        /// The schema of unevaluated properties accepts more.
        UnevaluatedPropertiesExtended = "UNEVALUATED_PROPERTIES_EXTENDED",
        /// The schema of unevaluated properties accepts less (or could not be compared).
        UnevaluatedPropertiesNarrowed = "UNEVALUATED_PROPERTIES_NARROWED",
        // Arrays
        /// `maxItems` added.
        MaxItemsAdded = "MAX_ITEMS_ADDED",
        /// `maxItems` removed.
        MaxItemsRemoved = "MAX_ITEMS_REMOVED",
        /// `maxItems` increased.
        MaxItemsIncreased = "MAX_ITEMS_INCREASED",
        /// `maxItems` decreased.
        MaxItemsDecreased = "MAX_ITEMS_DECREASED",
        /// `minItems` added.
        MinItemsAdded = "MIN_ITEMS_ADDED",
        /// `minItems` removed.
        MinItemsRemoved = "MIN_ITEMS_REMOVED",
        /// `minItems` increased.
        MinItemsIncreased = "MIN_ITEMS_INCREASED",
        /// `minItems` decreased.
        MinItemsDecreased = "MIN_ITEMS_DECREASED",
        /// `maxContains` added.
        MaxContainsAdded = "MAX_CONTAINS_ADDED",
        /// `maxContains` removed.
        MaxContainsRemoved = "MAX_CONTAINS_REMOVED",
        /// `maxContains` increased.
        MaxContainsIncreased = "MAX_CONTAINS_INCREASED",
        /// `maxContains` decreased.
        MaxContainsDecreased = "MAX_CONTAINS_DECREASED",
        /// `minContains (or `contains`)` added.
        MinContainsAdded = "MIN_CONTAINS_ADDED",
        /// `minContains (or `contains`)` removed.
        MinContainsRemoved = "MIN_CONTAINS_REMOVED",
        /// `minContains (or `contains`)` increased.
        MinContainsIncreased = "MIN_CONTAINS_INCREASED",
        /// `minContains (or `contains`)` decreased.
        MinContainsDecreased = "MIN_CONTAINS_DECREASED",
        /// `uniqueItems` added.
        UniqueItemsAdded = "UNIQUE_ITEMS_ADDED",
        /// `uniqueItems` removed.
        UniqueItemsRemoved = "UNIQUE_ITEMS_REMOVED",
        /// Items past the tuple were forbidden and are now allowed.
        AdditionalItemsAdded = "ADDITIONAL_ITEMS_ADDED",
        /// Items past the tuple were allowed and are now forbidden.
        AdditionalItemsRemoved = "ADDITIONAL_ITEMS_REMOVED",
        /// The schema of items past the tuple accepts more.
        AdditionalItemsExtended = "ADDITIONAL_ITEMS_EXTENDED",
        /// The schema of items past the tuple accepts less.
        AdditionalItemsNarrowed = "ADDITIONAL_ITEMS_NARROWED",
        /// Unevaluated items were forbidden and are now allowed.
        UnevaluatedItemsAdded = "UNEVALUATED_ITEMS_ADDED",
        /// Unevaluated items were allowed and are now forbidden.
        UnevaluatedItemsRemoved = "UNEVALUATED_ITEMS_REMOVED",
        /// The schema of unevaluated items accepts more.
        UnevaluatedItemsExtended = "UNEVALUATED_ITEMS_EXTENDED",
        /// The schema of unevaluated items accepts less (or could not be compared).
        UnevaluatedItemsNarrowed = "UNEVALUATED_ITEMS_NARROWED",
        /// A tuple item added where any item was allowed.
        ItemAddedToOpenContentModel = "ITEM_ADDED_TO_OPEN_CONTENT_MODEL",
        /// A tuple item accepting anything added where any item was allowed.
        ItemWithEmptySchemaAddedToOpenContentModel = "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        /// A tuple item added where no item was allowed.
        ItemAddedToClosedContentModel = "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
        /// A tuple item removed; any item is allowed there now.
        ItemRemovedFromOpenContentModel = "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
        /// A tuple item whose schema was `false` removed; no item is allowed there.
        ItemWithFalseRemovedFromClosedContentModel = "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        /// A tuple item removed; no item is allowed there now.
        ItemRemovedFromClosedContentModel = "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        /// A tuple item removed, and the schema of the items past the tuple accepts its old values.
        ItemRemovedIsCoveredByPartiallyOpenContentModel = "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        /// A tuple item removed, and the schema of the items past the tuple does not accept its old values.
        ItemRemovedNotCoveredByPartiallyOpenContentModel = "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        /// A tuple item added that accepts what the old schema of the items past the tuple accepted.
        ItemAddedIsCoveredByPartiallyOpenContentModel = "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        /// A tuple item added that does not accept what the old schema of the items past the tuple accepted.
        ItemAddedNotCoveredByPartiallyOpenContentModel = "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        // Enums
        /// `enum` (or `const`) gained values.
        EnumArrayExtended = "ENUM_ARRAY_EXTENDED",
        /// `enum` (or `const`) lost values.
        EnumArrayNarrowed = "ENUM_ARRAY_NARROWED",
        /// `enum` (or `const`) gained and lost values.
        EnumArrayChanged = "ENUM_ARRAY_CHANGED",
        // Combinators
        /// `allOf`/`oneOf` became `anyOf`, or a singleton combinator changed kind.
        CombinedTypeExtended = "COMBINED_TYPE_EXTENDED",
        /// The combinator changed kind (`anyOf` to `allOf`, ...).
        CombinedTypeChanged = "COMBINED_TYPE_CHANGED",
        /// A conjunct was added (`allOf` gained a schema; an `enum`, combinator, `if` or `$ref` was added beside other keywords).
        ProductTypeExtended = "PRODUCT_TYPE_EXTENDED",
        /// A conjunct was removed (`allOf` lost a schema; an `enum`, combinator, `if` or `$ref` beside other keywords was removed).
        ProductTypeNarrowed = "PRODUCT_TYPE_NARROWED",
        /// A union gained branches (`anyOf`/`oneOf`, a `type` array).
        SumTypeExtended = "SUM_TYPE_EXTENDED",
        /// A union lost branches.
        SumTypeNarrowed = "SUM_TYPE_NARROWED",
        /// The branches of a combinator no longer pair up old to new (or a `oneOf` lost exclusivity).
        CombinedTypeSubschemasChanged = "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
        /// The schema under `not` accepts more (the schema accepts less).
        NotTypeExtended = "NOT_TYPE_EXTENDED",
        /// The schema under `not` accepts less (the schema accepts more).
        NotTypeNarrowed = "NOT_TYPE_NARROWED",

    }
}

impl ChangeKind {
    /// Whether Confluent's table accepts the change under BACKWARD (new reader, old data):
    /// `COMPATIBLE_CHANGES_STRICT`, plus for LENIENT the kinds that assume readers ignore
    /// properties they do not declare.
    #[must_use]
    pub const fn confluent_accepts(self, policy: CompatibilityPolicy) -> bool {
        use ChangeKind::*;
        match self {
            IdChanged
            | DescriptionChanged
            | TitleChanged
            | DefaultChanged
            | SchemaRemoved
            | TypeExtended
            | MaxLengthIncreased
            | MaxLengthRemoved
            | MinLengthDecreased
            | MinLengthRemoved
            | PatternRemoved
            | MaximumIncreased
            | MaximumRemoved
            | MinimumDecreased
            | MinimumRemoved
            | ExclusiveMaximumIncreased
            | ExclusiveMaximumRemoved
            | ExclusiveMinimumDecreased
            | ExclusiveMinimumRemoved
            | MultipleOfReduced
            | MultipleOfRemoved
            | RequiredAttributeWithDefaultAdded
            | RequiredAttributeRemoved
            | DependencyArrayNarrowed
            | DependencyArrayRemoved
            | DependencySchemaRemoved
            | MaxPropertiesIncreased
            | MaxPropertiesRemoved
            | MinPropertiesDecreased
            | MinPropertiesRemoved
            | AdditionalPropertiesAdded
            | AdditionalPropertiesExtended
            | PropertyWithEmptySchemaAddedToOpenContentModel
            | RequiredPropertyWithDefaultAddedToUnopenContentModel
            | OptionalPropertyAddedToUnopenContentModel
            | PropertyWithFalseRemovedFromClosedContentModel
            | PropertyRemovedFromOpenContentModel
            | PropertyAddedIsCoveredByPartiallyOpenContentModel
            | PropertyRemovedIsCoveredByPartiallyOpenContentModel
            | UnevaluatedPropertiesAdded
            | UnevaluatedPropertiesExtended
            | MaxItemsIncreased
            | MaxItemsRemoved
            | MinItemsDecreased
            | MinItemsRemoved
            | MaxContainsIncreased
            | MaxContainsRemoved
            | MinContainsDecreased
            | MinContainsRemoved
            | UniqueItemsRemoved
            | AdditionalItemsAdded
            | AdditionalItemsExtended
            | UnevaluatedItemsAdded
            | UnevaluatedItemsExtended
            | ItemWithEmptySchemaAddedToOpenContentModel
            | ItemAddedToClosedContentModel
            | ItemWithFalseRemovedFromClosedContentModel
            | ItemRemovedFromOpenContentModel
            | ItemAddedIsCoveredByPartiallyOpenContentModel
            | ItemRemovedIsCoveredByPartiallyOpenContentModel
            | EnumArrayExtended
            | CombinedTypeExtended
            | ProductTypeNarrowed
            | SumTypeExtended
            | NotTypeNarrowed => true,
            AdditionalPropertiesNarrowed
            | AdditionalPropertiesRemoved
            | UnevaluatedPropertiesNarrowed
            | UnevaluatedPropertiesRemoved
            | RequiredPropertyWithDefaultAddedToOpenContentModel
            | OptionalPropertyAddedToOpenContentModel
            | PropertyRemovedFromClosedContentModel
            | PropertyAddedNotCoveredByPartiallyOpenContentModel
            | PropertyRemovedNotCoveredByPartiallyOpenContentModel => {
                matches!(policy, CompatibilityPolicy::Lenient)
            }
            _ => false,
        }
    }

    /// Whether this crate accepts the change under BACKWARD: Confluent's table, except that
    /// under STRICT a property that becomes required is incompatible even with a `default`.
    /// Confluent accepts it (the Avro habit of a reader filling defaults), but a JSON Schema
    /// validator never fills one, so old data without the property fails.
    #[must_use]
    pub const fn accepted(self, policy: CompatibilityPolicy) -> bool {
        match (self, policy) {
            (
                Self::RequiredAttributeWithDefaultAdded
                | Self::RequiredPropertyWithDefaultAddedToUnopenContentModel,
                CompatibilityPolicy::Strict,
            ) => false,
            _ => self.confluent_accepts(policy),
        }
    }

    /// The same change seen from the new schema (what Confluent reports when FORWARD swaps
    /// the schemas). Kinds that depend on the content model around them (properties and
    /// items added or removed) have no context-free inverse and are their own here: the walk
    /// decides their FORWARD flag where it knows the model.
    #[must_use]
    pub const fn inverse(self) -> Self {
        use ChangeKind::*;
        match self {
            SchemaAdded => SchemaRemoved,
            SchemaRemoved => SchemaAdded,
            TypeExtended => TypeNarrowed,
            TypeNarrowed => TypeExtended,
            MaxLengthAdded => MaxLengthRemoved,
            MaxLengthRemoved => MaxLengthAdded,
            MaxLengthIncreased => MaxLengthDecreased,
            MaxLengthDecreased => MaxLengthIncreased,
            MinLengthAdded => MinLengthRemoved,
            MinLengthRemoved => MinLengthAdded,
            MinLengthIncreased => MinLengthDecreased,
            MinLengthDecreased => MinLengthIncreased,
            PatternAdded => PatternRemoved,
            PatternRemoved => PatternAdded,
            MaximumAdded => MaximumRemoved,
            MaximumRemoved => MaximumAdded,
            MaximumIncreased => MaximumDecreased,
            MaximumDecreased => MaximumIncreased,
            MinimumAdded => MinimumRemoved,
            MinimumRemoved => MinimumAdded,
            MinimumIncreased => MinimumDecreased,
            MinimumDecreased => MinimumIncreased,
            ExclusiveMaximumAdded => ExclusiveMaximumRemoved,
            ExclusiveMaximumRemoved => ExclusiveMaximumAdded,
            ExclusiveMaximumIncreased => ExclusiveMaximumDecreased,
            ExclusiveMaximumDecreased => ExclusiveMaximumIncreased,
            ExclusiveMinimumAdded => ExclusiveMinimumRemoved,
            ExclusiveMinimumRemoved => ExclusiveMinimumAdded,
            ExclusiveMinimumIncreased => ExclusiveMinimumDecreased,
            ExclusiveMinimumDecreased => ExclusiveMinimumIncreased,
            MultipleOfAdded => MultipleOfRemoved,
            MultipleOfRemoved => MultipleOfAdded,
            MultipleOfExpanded => MultipleOfReduced,
            MultipleOfReduced => MultipleOfExpanded,
            RequiredAttributeAdded | RequiredAttributeWithDefaultAdded => RequiredAttributeRemoved,
            RequiredAttributeRemoved => RequiredAttributeAdded,
            MaxPropertiesAdded => MaxPropertiesRemoved,
            MaxPropertiesRemoved => MaxPropertiesAdded,
            MaxPropertiesIncreased => MaxPropertiesDecreased,
            MaxPropertiesDecreased => MaxPropertiesIncreased,
            MinPropertiesAdded => MinPropertiesRemoved,
            MinPropertiesRemoved => MinPropertiesAdded,
            MinPropertiesIncreased => MinPropertiesDecreased,
            MinPropertiesDecreased => MinPropertiesIncreased,
            AdditionalPropertiesAdded => AdditionalPropertiesRemoved,
            AdditionalPropertiesRemoved => AdditionalPropertiesAdded,
            AdditionalPropertiesExtended => AdditionalPropertiesNarrowed,
            AdditionalPropertiesNarrowed => AdditionalPropertiesExtended,
            DependencyArrayAdded => DependencyArrayRemoved,
            DependencyArrayRemoved => DependencyArrayAdded,
            DependencyArrayExtended => DependencyArrayNarrowed,
            DependencyArrayNarrowed => DependencyArrayExtended,
            DependencySchemaAdded => DependencySchemaRemoved,
            DependencySchemaRemoved => DependencySchemaAdded,
            UnevaluatedPropertiesAdded => UnevaluatedPropertiesRemoved,
            UnevaluatedPropertiesRemoved => UnevaluatedPropertiesAdded,
            UnevaluatedPropertiesExtended => UnevaluatedPropertiesNarrowed,
            UnevaluatedPropertiesNarrowed => UnevaluatedPropertiesExtended,
            MaxItemsAdded => MaxItemsRemoved,
            MaxItemsRemoved => MaxItemsAdded,
            MaxItemsIncreased => MaxItemsDecreased,
            MaxItemsDecreased => MaxItemsIncreased,
            MinItemsAdded => MinItemsRemoved,
            MinItemsRemoved => MinItemsAdded,
            MinItemsIncreased => MinItemsDecreased,
            MinItemsDecreased => MinItemsIncreased,
            MaxContainsAdded => MaxContainsRemoved,
            MaxContainsRemoved => MaxContainsAdded,
            MaxContainsIncreased => MaxContainsDecreased,
            MaxContainsDecreased => MaxContainsIncreased,
            MinContainsAdded => MinContainsRemoved,
            MinContainsRemoved => MinContainsAdded,
            MinContainsIncreased => MinContainsDecreased,
            MinContainsDecreased => MinContainsIncreased,
            UniqueItemsAdded => UniqueItemsRemoved,
            UniqueItemsRemoved => UniqueItemsAdded,
            AdditionalItemsAdded => AdditionalItemsRemoved,
            AdditionalItemsRemoved => AdditionalItemsAdded,
            AdditionalItemsExtended => AdditionalItemsNarrowed,
            AdditionalItemsNarrowed => AdditionalItemsExtended,
            UnevaluatedItemsAdded => UnevaluatedItemsRemoved,
            UnevaluatedItemsRemoved => UnevaluatedItemsAdded,
            UnevaluatedItemsExtended => UnevaluatedItemsNarrowed,
            UnevaluatedItemsNarrowed => UnevaluatedItemsExtended,
            EnumArrayExtended => EnumArrayNarrowed,
            EnumArrayNarrowed => EnumArrayExtended,
            ProductTypeExtended => ProductTypeNarrowed,
            ProductTypeNarrowed => ProductTypeExtended,
            SumTypeExtended => SumTypeNarrowed,
            SumTypeNarrowed => SumTypeExtended,
            NotTypeExtended => NotTypeNarrowed,
            NotTypeNarrowed => NotTypeExtended,
            _ => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_confluents_names_and_round_trip() {
        assert_eq!(ChangeKind::ALL.len(), 132);
        for &kind in ChangeKind::ALL {
            assert_eq!(ChangeKind::from_code(kind.as_str()), Some(kind));
            assert!(kind.as_str().bytes().all(|b| b.is_ascii_uppercase() || b == b'_'), "{kind}");
        }
        let json = serde_json::to_string(&ChangeKind::OptionalPropertyAddedToOpenContentModel).unwrap();
        assert_eq!(json, "\"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL\"");
    }

    #[test]
    fn inverse_is_an_involution_where_it_is_defined() {
        for &kind in ChangeKind::ALL {
            if kind != ChangeKind::RequiredAttributeWithDefaultAdded {
                assert_eq!(kind.inverse().inverse(), kind, "{kind}");
            }
        }
        // The one kind whose inverse is shared with another.
        assert_eq!(
            ChangeKind::RequiredAttributeWithDefaultAdded.inverse(),
            ChangeKind::RequiredAttributeRemoved
        );
    }

    #[test]
    fn lenient_accepts_everything_strict_does() {
        use CompatibilityPolicy::{Lenient, Strict};
        for &kind in ChangeKind::ALL {
            assert!(!kind.accepted(Strict) || kind.accepted(Lenient), "{kind}");
            assert!(!kind.accepted(Strict) || kind.confluent_accepts(Strict), "{kind}");
        }
        let lenient_only =
            ChangeKind::ALL.iter().filter(|k| k.accepted(Lenient) && !k.confluent_accepts(Strict));
        assert_eq!(lenient_only.count(), 9);
    }
}
