package dev.gracekeys.templatecheck;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The YAML reader every other check relies on: short-form tags come out in CloudFormation's long form. */
class CloudFormationYamlTest {

    @Test
    void shortFormTags_becomeTheLongForm_nestedToo() {
        Map<String, Object> doc = CloudFormationYaml.parse(String.join("\n",
                "Version: 2010-09-09",
                "A: !Ref Table",
                "B: !GetAtt Table.Arn",
                "C: !Sub ${Table.Arn}/index/x",
                "D: !If [HasBucket, !Sub 'arn:${AWS::Partition}:s3:::b/*', !Ref AWS::NoValue]",
                "E: !Not [!Equals [!Ref Bucket, '']]"));

        assertEquals("2010-09-09", doc.get("Version"), "a date stays a string");
        assertEquals(Map.of("Ref", "Table"), doc.get("A"));
        assertEquals(Map.of("Fn::GetAtt", List.of("Table", "Arn")), doc.get("B"));
        assertEquals(Map.of("Fn::Sub", "${Table.Arn}/index/x"), doc.get("C"));
        assertEquals(Map.of("Fn::If", List.of("HasBucket", Map.of("Fn::Sub", "arn:${AWS::Partition}:s3:::b/*"),
                Map.of("Ref", "AWS::NoValue"))), doc.get("D"));
        assertEquals(Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(Map.of("Ref", "Bucket"), "")))), doc.get("E"));
    }

    @Test
    void duplicateKeys_areRejected_asCloudFormationDoes() {
        assertThrows(RuntimeException.class, () -> CloudFormationYaml.parse("A: 1\nA: 2\n"));
    }
}
