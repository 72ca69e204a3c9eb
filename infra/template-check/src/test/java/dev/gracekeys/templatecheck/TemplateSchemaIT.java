package dev.gracekeys.templatecheck;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * template.yaml against the SAM template schema (draft-04), vendored in src/test/resources from
 * aws/serverless-application-model (see this module's README): the check `sam validate` starts
 * with, without the SAM CLI or an AWS account.
 */
class TemplateSchemaIT {

    private static final String SCHEMA = "sam.schema.json";

    private static JsonSchemaFactory factory;
    private static JsonNode schemaJson;
    private static JsonSchema schema;

    @BeforeAll
    static void loadSchema() throws IOException {
        try (InputStream in = TemplateSchemaIT.class.getResourceAsStream("/" + SCHEMA)) {
            assertNotNull(in, SCHEMA + " is missing from src/test/resources");
            schemaJson = new ObjectMapper().readTree(in);
        }
        // Draft-04, plus the two annotation keywords SAM's schema adds for its docs and editors.
        JsonMetaSchema draft4WithSamAnnotations = JsonMetaSchema.builder(JsonMetaSchema.getV4())
                .keyword(new NonValidationKeyword("__samPassThrough"))
                .keyword(new NonValidationKeyword("markdownDescription"))
                .build();
        factory = JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4))
                .metaSchema(draft4WithSamAnnotations)
                .build();
        schema = factory.getSchema(schemaJson);
    }

    @Test
    void template_validatesAgainstTheSamSchema() {
        Template template = Template.load();
        JsonNode json = template.json();
        Set<ValidationMessage> errors = schema.validate(json);
        assertTrue(errors.isEmpty(), () -> template.file() + " does not validate against the SAM schema:\n"
                + explain(json, errors));
    }

    /** A control: the validator really reads the function properties (a typo must not pass). */
    @Test
    void schema_rejectsAFunctionPropertyThatSamDoesNotKnow() {
        JsonNode json = Template.load().json();
        ObjectNode properties = (ObjectNode) json.at("/Resources/RotateFunction/Properties");
        properties.put("Handlr", properties.get("Handler").asText());

        assertFalse(schema.validate(json).isEmpty(), "a misspelt property passed the schema");
    }

    /**
     * The schema accepts a resource if any resource definition does (anyOf), so a broken resource
     * is reported against every one of them. Report each resource against its own type's
     * definition instead, and every error outside Resources as it is.
     */
    private static String explain(JsonNode template, Set<ValidationMessage> errors) {
        Set<String> lines = new TreeSet<>();
        for (ValidationMessage e : errors) {
            if (!e.getInstanceLocation().toString().startsWith("$.Resources")) {
                lines.add(e.getMessage());
            }
        }
        template.path("Resources").properties().forEach(resource -> {
            String type = resource.getValue().path("Type").asText();
            for (JsonNode branch : schemaJson.at("/properties/Resources/additionalProperties/anyOf")) {
                String ref = branch.path("$ref").asText(); // #/definitions/<name>
                JsonNode definition = schemaJson.at(ref.substring(1));
                JsonNode types = definition.at("/properties/Type/enum");
                if (types.isArray() && types.toString().contains("\"" + type + "\"")) {
                    JsonSchema own = factory.getSchema(SchemaLocation.of("classpath:" + SCHEMA + ref));
                    own.validate(resource.getValue()).forEach(m ->
                            lines.add("Resources." + resource.getKey() + ": " + m.getMessage()));
                }
            }
        });
        return lines.isEmpty() ? "  " + errors : "  " + String.join("\n  ", lines);
    }
}
