import Foundation
import TestSupport
import Testing

/// `template.yaml` after the SAM transform (Tests/Scripts/transform_template.py, offline): every resource of the
/// reference architecture is there, with the settings that make it secure.
@Suite(
    "template.yaml: the reference architecture after the SAM transform",
    .enabled(if: PythonTools.has("samtranslator", "cfnlint"), Comment(rawValue: PythonTools.missing("cfn-lint")))
)
struct DeployTemplateTests {
    let template: [String: Any]
    let resources: [String: [String: Any]]

    init() throws {
        let python = try #require(PythonTools.python)
        let result = try CommandResult.run([
            python, PythonTools.script("transform_template.py"), BuiltProducts.projectRoot + "/template.yaml",
        ])
        try #require(result.status == 0, "transform_template.py: \(result.standardError)")
        template = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        resources = try #require(template["Resources"] as? [String: [String: Any]])
    }

    func resource(_ name: String, _ type: String) throws -> [String: Any] {
        let resource = try #require(resources[name], "\(name) is missing")
        #expect(resource["Type"] as? String == type, "\(name)")
        return resource["Properties"] as? [String: Any] ?? [:]
    }

    /// The JSON text of a value, for containment checks on nested settings.
    func text(_ value: Any?) -> String {
        guard let value,
            let data = try? JSONSerialization.data(
                withJSONObject: value,
                options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]
            )
        else {
            return ""
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A statement's actions, whether it names one or a list.
    func actions(_ statement: [String: Any]) -> [String] {
        (statement["Action"] as? [String]) ?? (statement["Action"] as? String).map { [$0] } ?? []
    }

    /// The statements of a role's inline policies.
    func statements(ofRole name: String) throws -> [[String: Any]] {
        let policies = try #require(try resource(name, "AWS::IAM::Role")["Policies"] as? [[String: Any]])
        return policies.flatMap { policy in
            ((policy["PolicyDocument"] as? [String: Any])?["Statement"] as? [[String: Any]]) ?? []
        }
    }

    /// The environment variables of a function after the transform (the globals merged in).
    func environment(of function: String) throws -> [String: Any] {
        let properties = try resource(function, "AWS::Lambda::Function")
        return try #require((properties["Environment"] as? [String: Any])?["Variables"] as? [String: Any])
    }

    /// The distribution's cache behaviour for `pattern`.
    func behaviour(_ pattern: String) throws -> [String: Any] {
        let config = try #require(
            try resource("Distribution", "AWS::CloudFront::Distribution")["DistributionConfig"] as? [String: Any]
        )
        let behaviours = try #require(config["CacheBehaviors"] as? [[String: Any]])
        return try #require(behaviours.first { $0["PathPattern"] as? String == pattern }, "no \(pattern) behaviour")
    }

    /// A request as a policy sees it. ARNs and resources are spelled as the template names them, with `${…}` for
    /// an attribute (`${UploadBucket.Arn}/uploads/u-1/a.png`, `${PresignFunctionRole.Arn}`), and so is every value
    /// in the policies (see `literals(_:scanning:)`), so the two compare as strings.
    struct PolicyRequest {
        var action: String
        var resource: String
        var keys: [String: String] = [:]

        /// A request to the upload bucket: `path` is the object key, or "" for the bucket itself.
        static func s3(_ action: String, _ path: String, _ keys: [String: String] = [:]) -> PolicyRequest {
            let resource = path.isEmpty ? "${UploadBucket.Arn}" : "${UploadBucket.Arn}/" + path
            return PolicyRequest(
                action: action,
                resource: resource,
                keys: ["aws:SecureTransport": "true"].merging(keys) { $1 }
            )
        }

        /// The same request made by a session of `role` (the key `aws:PrincipalArn` is its ARN).
        func by(_ role: String) -> PolicyRequest {
            var request = self
            request.keys["aws:PrincipalArn"] = "${\(role).Arn}"
            return request
        }

        /// The same request against an object that carries these tags (`s3:ExistingObjectTag/<key>`).
        func tagged(_ tags: [String: String]) -> PolicyRequest {
            var request = self
            for (key, value) in tags { request.keys["s3:ExistingObjectTag/" + key] = value }
            return request
        }
    }

    /// A policy value as strings: `Fn::Sub` its template, `Fn::GetAtt` `${Resource.Attribute}`, `Ref` `${Name}`;
    /// `Fn::If` on RequireScan takes the branch `scanning` picks, `AWS::NoValue` is nothing, and lists flatten.
    func literals(_ value: Any?, scanning: Bool = true) -> [String] {
        switch value {
        case let string as String: return [string]
        case let number as NSNumber: return [number.stringValue]
        case let list as [Any]: return list.flatMap { literals($0, scanning: scanning) }
        case let function as [String: Any]:
            if let template = function["Fn::Sub"] as? String { return [template] }
            if let attribute = function["Fn::GetAtt"] as? [String] {
                return ["${" + attribute.joined(separator: ".") + "}"]
            }
            if let name = function["Ref"] as? String { return name == "AWS::NoValue" ? [] : ["${\(name)}"] }
            if let branches = function["Fn::If"] as? [Any], branches.count == 3, let condition = branches[0] as? String
            {
                if condition != "RequireScan" {
                    Issue.record("the test cannot evaluate condition \(condition); teach it")
                }
                return literals(scanning ? branches[1] : branches[2], scanning: scanning)
            }
            Issue.record("the test cannot evaluate \(text(function)); teach it")
            return [text(function)]
        default: return []
        }
    }

    /// Whether `text` matches an IAM pattern, where `*` is any run of characters and `?` any one.
    func matches(_ text: String, _ pattern: String) -> Bool {
        let text = Array(text)
        let pattern = Array(pattern)
        func match(_ t: Int, _ p: Int) -> Bool {
            guard p < pattern.count else { return t == text.count }
            switch pattern[p] {
            case "*": return match(t, p + 1) || (t < text.count && match(t + 1, p))
            case "?": return t < text.count && match(t + 1, p + 1)
            default: return t < text.count && text[t] == pattern[p] && match(t + 1, p + 1)
            }
        }
        return match(0, 0)
    }

    /// Whether a statement applies to a request: its action, its resource, and every condition, evaluated the way
    /// IAM does. A key the request lacks fails a positive operator and passes a negated one (and `…IfExists`); it is
    /// what `Null` tests. A positive operator holds if the key matches any of its values, a negated one if none.
    func applies(_ statement: [String: Any], to request: PolicyRequest, scanning: Bool = true) -> Bool {
        guard actions(statement).contains(where: { matches(request.action, $0) }),
            literals(statement["Resource"], scanning: scanning).contains(where: { matches(request.resource, $0) })
        else { return false }
        let condition = statement["Condition"] as? [String: [String: Any]] ?? [:]
        return condition.allSatisfy { operation, tests in
            tests.allSatisfy { key, value in
                let expected = literals(value, scanning: scanning)
                guard let actual = request.keys[key] else {
                    switch operation {
                    case "Null": return expected == ["true"]
                    case "Bool", "StringEquals", "StringLike", "ArnEquals", "ArnLike": return false
                    case "StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike", "StringNotEqualsIfExists":
                        return true
                    default:
                        Issue.record("the test cannot evaluate \(operation); teach it")
                        return true
                    }
                }
                switch operation {
                case "Null": return expected == ["false"]
                case "Bool", "StringEquals", "ArnEquals": return expected.contains(actual)
                case "StringLike", "ArnLike": return expected.contains { matches(actual, $0) }
                case "StringNotEquals", "ArnNotEquals", "StringNotEqualsIfExists": return !expected.contains(actual)
                case "StringNotLike", "ArnNotLike": return !expected.contains { matches(actual, $0) }
                default:
                    Issue.record("the test cannot evaluate \(operation); teach it")
                    return true
                }
            }
        }
    }

    /// The upload bucket's policy statements.
    func bucketPolicy() throws -> [[String: Any]] {
        let document = try #require(
            try resource("UploadBucketPolicy", "AWS::S3::BucketPolicy")["PolicyDocument"] as? [String: Any]
        )
        return try #require(document["Statement"] as? [[String: Any]])
    }

    /// Whether the upload bucket's policy denies the request (with `scanning`, the stack has ScanRequired "true").
    func bucketPolicyDenies(_ request: PolicyRequest, scanning: Bool = true) throws -> Bool {
        try bucketPolicy().contains { statement in
            statement["Effect"] as? String == "Deny" && applies(statement, to: request, scanning: scanning)
        }
    }

    /// Whether the upload bucket's policy denies an `s3:PutObject` (which also authorizes CreateMultipartUpload,
    /// UploadPart and CompleteMultipartUpload) under uploads/ made with these condition keys.
    func bucketPolicyDeniesPut(_ keys: [String: String]) throws -> Bool {
        try bucketPolicyDenies(
            PolicyRequest(action: "s3:PutObject", resource: "${UploadBucket.Arn}/uploads/u-1/a", keys: keys)
        )
    }

    /// Whether one of a role's inline policies allows the request.
    func role(_ name: String, allows request: PolicyRequest) throws -> Bool {
        try statements(ofRole: name).contains { statement in
            statement["Effect"] as? String == "Allow" && applies(statement, to: request)
        }
    }

    @Test func theKMSKeyRotatesAndHasAnAlias() throws {
        #expect(try resource("UploadKey", "AWS::KMS::Key")["EnableKeyRotation"] as? Bool == true)
        _ = try resource("UploadKeyAlias", "AWS::KMS::Alias")
    }

    @Test func theUploadBucketIsPrivateEncryptedAcceleratedAndNotifies() throws {
        let bucket = try resource("UploadBucket", "AWS::S3::Bucket")
        let block = try #require(bucket["PublicAccessBlockConfiguration"] as? [String: Bool])
        #expect(block.values.allSatisfy { $0 } && block.count == 4)
        let encryption = text(bucket["BucketEncryption"])
        #expect(encryption.contains(#""SSEAlgorithm":"aws:kms""#))
        #expect(encryption.contains(#""BucketKeyEnabled":true"#))
        #expect(text(bucket["AccelerateConfiguration"]) == #"{"AccelerationStatus":"Enabled"}"#)
        #expect(text(bucket["BucketEncryption"]).contains(#""KMSMasterKeyID":{"Fn::GetAtt":["UploadKey","Arn"]}"#))
        let cors = try #require((bucket["CorsConfiguration"] as? [String: Any])?["CorsRules"] as? [[String: Any]])
        #expect(
            cors.contains { rule in
                Set(rule["AllowedMethods"] as? [String] ?? []).isSuperset(of: ["POST", "PUT"])
                    && (rule["ExposedHeaders"] as? [String] ?? []).contains("ETag")
            },
            "a direct upload POSTs or PUTs, and a part's ETag must be readable to complete the upload"
        )
        let lifecycle = text(bucket["LifecycleConfiguration"])
        #expect(lifecycle.contains(#""Prefix":"quarantine/""#))
        let rules = try #require((bucket["LifecycleConfiguration"] as? [String: Any])?["Rules"] as? [[String: Any]])
        let abort = try #require(rules.first { $0["AbortIncompleteMultipartUpload"] != nil })
        #expect(text(abort["AbortIncompleteMultipartUpload"]) == #"{"DaysAfterInitiation":1}"#)
        #expect(abort["Status"] as? String == "Enabled" && abort["Prefix"] == nil && abort["Filter"] == nil)
        #expect(text(bucket["NotificationConfiguration"]).contains(#""EventBridgeEnabled":true"#))

        let policy = text(try resource("UploadBucketPolicy", "AWS::S3::BucketPolicy")["PolicyDocument"])
        #expect(policy.contains(#""aws:SecureTransport":"false""#))
        #expect(policy.contains(#""s3:x-amz-server-side-encryption":"aws:kms""#))
        #expect(policy.contains("s3:x-amz-server-side-encryption-aws-kms-key-id"))
    }

    @Test func theBucketPolicyLetsPartsThroughButRefusesAnyOtherEncryption() throws {
        let uploadKey = "${UploadKey.Arn}"
        let secure = ["aws:SecureTransport": "true"]
        let sseKMS = secure.merging(["s3:x-amz-server-side-encryption": "aws:kms"]) { $1 }
        // UploadPart and CompleteMultipartUpload carry no encryption header: the upload's is fixed at creation.
        #expect(try !bucketPolicyDeniesPut(secure), "UploadPart and CompleteMultipartUpload must not be denied")
        let create = sseKMS.merging(["s3:x-amz-server-side-encryption-aws-kms-key-id": uploadKey]) { $1 }
        #expect(try !bucketPolicyDeniesPut(create), "a PUT, POST or CreateMultipartUpload with SSE-KMS and UploadKey")
        let refused: [(String, [String: String])] = [
            ("SSE-S3", secure.merging(["s3:x-amz-server-side-encryption": "AES256"]) { $1 }),
            ("DSSE-KMS", secure.merging(["s3:x-amz-server-side-encryption": "aws:kms:dsse"]) { $1 }),
            ("SSE-KMS with aws/s3", sseKMS),
            (
                "SSE-KMS with another key",
                sseKMS.merging(["s3:x-amz-server-side-encryption-aws-kms-key-id": "k"]) { $1 }
            ),
            ("SSE-C", secure.merging(["s3:x-amz-server-side-encryption-customer-algorithm": "AES256"]) { $1 }),
            ("plain HTTP", create.merging(["aws:SecureTransport": "false"]) { $1 }),
        ]
        for (name, keys) in refused {
            #expect(try bucketPolicyDeniesPut(keys), "\(name) must be denied")
        }
    }

    @Test(arguments: [true, false])
    func theBucketPolicyLetsNobodyButTheCheckersReadAnUploadBeforeItIsClean(scanning: Bool) throws {
        let key = "uploads/u-1/6f1c/photo.png"
        for action in ["s3:GetObject", "s3:GetObjectVersion"] {
            let get = PolicyRequest.s3(action, key)
            // presign's download URL, and anyone else: the anonymous caller (no aws:PrincipalArn) and a user.
            for (who, request) in [
                ("presign", get.by("PresignFunctionRole")), ("anonymous", get),
                ("a user", get.by("AdminUser")),
            ] {
                for tags in [[:], ["upload-status": "pending"], ["upload-status": "rejected"], ["upload": "clean"]] {
                    #expect(
                        try bucketPolicyDenies(request.tagged(tags), scanning: scanning),
                        "\(who): \(action) of an object tagged \(tags) must be denied"
                    )
                }
                #expect(
                    try !bucketPolicyDenies(request.tagged(["upload-status": "clean"]), scanning: scanning),
                    "\(who): \(action) of a clean object is not the bucket policy's to refuse"
                )
            }
            #expect(
                try !bucketPolicyDenies(
                    get.by("ObjectCreatedFunctionRole").tagged(["upload-status": "pending"]),
                    scanning: scanning
                ),
                "object-created reads an upload to check it"
            )
            #expect(try !bucketPolicyDenies(get.by("ObjectCreatedFunctionRole"), scanning: scanning))
            if scanning {
                #expect(
                    try !bucketPolicyDenies(get.by("MalwareProtectionRole")),
                    "GuardDuty reads an upload to scan it"
                )
            }
        }
        // presign's own policy allows the clean GET it presigns for the download route: the bucket policy decides.
        #expect(try role("PresignFunctionRole", allows: .s3("s3:GetObject", key)))
        #expect(try !role("PresignFunctionRole", allows: .s3("s3:GetObject", "quarantine/" + key)))
    }

    @Test(arguments: [true, false])
    func theBucketPolicyLetsOnlyTheVerdictsAuthorsWriteTags(scanning: Bool) throws {
        let writes = [
            "s3:PutObjectTagging", "s3:PutObjectVersionTagging", "s3:DeleteObjectTagging",
            "s3:DeleteObjectVersionTagging",
        ]
        for action in writes {
            for key in ["uploads/u-1/6f1c/photo.png", "quarantine/uploads/u-1/6f1c/photo.png"] {
                let write = PolicyRequest.s3(action, key)
                for who in ["PresignFunctionRole", "AdminUser", "AuthorizeFunctionRole"] {
                    #expect(try bucketPolicyDenies(write.by(who), scanning: scanning), "\(who): \(action) \(key)")
                }
                #expect(try bucketPolicyDenies(write, scanning: scanning), "anonymous: \(action) \(key)")
                #expect(try !bucketPolicyDenies(write.by("ObjectCreatedFunctionRole"), scanning: scanning))
                if scanning {
                    #expect(try !bucketPolicyDenies(write.by("MalwareProtectionRole")), "GuardDuty tags its verdict")
                } else {
                    #expect(try bucketPolicyDenies(write.by("MalwareProtectionRole"), scanning: false))
                }
            }
        }
        // An upload that sets tags (x-amz-tagging, a POST form's tagging field) carries s3:RequestObjectTagKeys.
        let upload = PolicyRequest.s3("s3:PutObject", "uploads/u-1/6f1c/photo.png")
        let taggedUpload = PolicyRequest.s3(
            "s3:PutObject",
            "uploads/u-1/6f1c/photo.png",
            ["s3:RequestObjectTagKeys": "upload-status"]
        )
        #expect(try bucketPolicyDenies(taggedUpload.by("PresignFunctionRole"), scanning: scanning))
        #expect(try bucketPolicyDenies(taggedUpload.by("MalwareProtectionRole"), scanning: scanning))
        #expect(try bucketPolicyDenies(taggedUpload, scanning: scanning))
        #expect(try !bucketPolicyDenies(upload.by("PresignFunctionRole"), scanning: scanning), "an untagged upload")
        #expect(
            try !bucketPolicyDenies(taggedUpload.by("ObjectCreatedFunctionRole"), scanning: scanning),
            "object-created writes stripped uploads and quarantine copies with their verdict"
        )
    }

    @Test(arguments: [true, false])
    func theBucketPolicyKeepsQuarantineFromEveryReaderButObjectCreated(scanning: Bool) throws {
        for action in ["s3:GetObject", "s3:GetObjectVersion"] {
            let get = PolicyRequest.s3(action, "quarantine/uploads/u-1/6f1c/eicar.com")
            for tags in [["upload-status": "clean"], ["upload-status": "rejected"], [:]] {
                for who in ["PresignFunctionRole", "MalwareProtectionRole", "AdminUser"] {
                    #expect(
                        try bucketPolicyDenies(get.by(who).tagged(tags), scanning: scanning),
                        "\(who): \(action) of a quarantine copy tagged \(tags)"
                    )
                }
                #expect(try bucketPolicyDenies(get.tagged(tags), scanning: scanning), "anonymous: \(action)")
            }
            #expect(try !bucketPolicyDenies(get.by("ObjectCreatedFunctionRole"), scanning: scanning))
        }
        // The statements that came before stay: TLS, and SSE-KMS with UploadKey only.
        let sids = Set(try bucketPolicy().compactMap { $0["Sid"] as? String })
        let kept = [
            "DenyInsecureTransport", "DenyOtherEncryption", "DenySSEKMSWithoutTheUploadKey", "DenyOtherKMSKeys",
            "DenySSEC", "DenyReadsUntilClean", "DenyTagWritesButTheVerdict", "DenyTagsAtUpload",
            "DenyQuarantineReads",
        ]
        #expect(sids.isSuperset(of: kept), "missing: \(Set(kept).subtracting(sids).sorted())")
        let plain = PolicyRequest.s3("s3:GetObject", "uploads/u-1/a", ["aws:SecureTransport": "false"])
        #expect(try bucketPolicyDenies(plain.by("ObjectCreatedFunctionRole").tagged(["upload-status": "clean"])))
    }

    @Test func guardDutyScansUploadsAndTagsItsVerdictUnlessScanningIsOff() throws {
        let plan = try resource("MalwareProtectionPlan", "AWS::GuardDuty::MalwareProtectionPlan")
        #expect(text(plan["Role"]) == #"{"Fn::GetAtt":["MalwareProtectionRole","Arn"]}"#)
        let bucket = try #require((plan["ProtectedResource"] as? [String: Any])?["S3Bucket"] as? [String: Any])
        #expect(text(bucket["BucketName"]) == #"{"Ref":"UploadBucket"}"#)
        #expect(bucket["ObjectPrefixes"] as? [String] == ["uploads/"], "the plan protects uploads/, nothing else")
        #expect(text(plan["Actions"]) == #"{"Tagging":{"Status":"ENABLED"}}"#)

        let parameters = try #require(template["Parameters"] as? [String: [String: Any]])
        #expect(parameters["ScanRequired"]?["Default"] as? String == "true")
        #expect(Set(parameters["ScanRequired"]?["AllowedValues"] as? [String] ?? []) == ["true", "false"])
        let conditions = try #require(template["Conditions"] as? [String: Any])
        #expect(text(conditions["RequireScan"]) == #"{"Fn::Equals":[{"Ref":"ScanRequired"},"true"]}"#)
        for name in ["MalwareProtectionPlan", "MalwareProtectionRole"] {
            #expect(
                resources[name]?["Condition"] as? String == "RequireScan",
                "\(name) must go with ScanRequired false"
            )
        }
        let outputs = try #require(template["Outputs"] as? [String: [String: Any]])
        #expect(outputs["MalwareProtectionPlanArn"]?["Condition"] as? String == "RequireScan")
        // Without the plan its role does not exist: the bucket policy names it only under RequireScan.
        let exceptions = try bucketPolicy().flatMap { statement in
            (statement["Condition"] as? [String: [String: Any]])?["ArnNotEquals"]?["aws:PrincipalArn"].map {
                literals($0, scanning: false)
            } ?? []
        }
        #expect(!exceptions.isEmpty && !exceptions.contains("${MalwareProtectionRole.Arn}"))
    }

    @Test func theMalwareProtectionRoleHasWhatTheGuardDutyGuideLists() throws {
        let role = try resource("MalwareProtectionRole", "AWS::IAM::Role")
        let trust = try #require(
            (role["AssumeRolePolicyDocument"] as? [String: Any])?["Statement"] as? [[String: Any]]
        )
        #expect(trust.count == 1)
        #expect(text(trust.first?["Principal"]) == #"{"Service":"malware-protection-plan.guardduty.amazonaws.com"}"#)
        #expect(actions(trust.first ?? [:]) == ["sts:AssumeRole"])

        let managedRule =
            "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/"
            + "DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3-0f1e"
        let managedBy = ["events:ManagedBy": "malware-protection-plan.guardduty.amazonaws.com"]
        let viaS3 = ["kms:ViaService": "s3.${AWS::Region}.amazonaws.com"]
        let object = "uploads/u-1/6f1c/photo.png"
        var granted: [(String, PolicyRequest)] = []
        for action in ["events:PutRule", "events:DeleteRule", "events:PutTargets", "events:RemoveTargets"] {
            granted.append((action, PolicyRequest(action: action, resource: managedRule, keys: managedBy)))
        }
        for action in ["events:DescribeRule", "events:ListTargetsByRule"] {
            granted.append((action, PolicyRequest(action: action, resource: managedRule)))
        }
        let objectActions = [
            "s3:PutObjectTagging", "s3:GetObjectTagging", "s3:PutObjectVersionTagging", "s3:GetObjectVersionTagging",
            "s3:GetObject", "s3:GetObjectVersion",
        ]
        for action in objectActions { granted.append((action, .s3(action, object))) }
        for action in ["s3:PutBucketNotification", "s3:GetBucketNotification", "s3:ListBucket"] {
            granted.append((action, .s3(action, "")))
        }
        granted.append(("the validation object", .s3("s3:PutObject", "malware-protection-resource-validation-object")))
        for action in ["kms:GenerateDataKey", "kms:Decrypt"] {
            granted.append((action, PolicyRequest(action: action, resource: "${UploadKey.Arn}", keys: viaS3)))
        }
        for (what, request) in granted {
            #expect(try self.role("MalwareProtectionRole", allows: request), "\(what) on \(request.resource)")
        }
        let refused: [(String, PolicyRequest)] = [
            ("rules it does not manage", PolicyRequest(action: "events:PutRule", resource: managedRule)),
            (
                "other rules",
                PolicyRequest(
                    action: "events:PutRule",
                    resource: "arn:${AWS::Partition}:events:x:y:rule/z",
                    keys: managedBy
                )
            ),
            ("the key outside S3", PolicyRequest(action: "kms:Decrypt", resource: "${UploadKey.Arn}")),
            ("quarantine copies", .s3("s3:GetObject", "quarantine/" + object)),
            ("uploads of its own", .s3("s3:PutObject", object)),
            ("deletes", .s3("s3:DeleteObject", object)),
        ]
        for (what, request) in refused {
            #expect(try !self.role("MalwareProtectionRole", allows: request), "\(what)")
        }
        #expect(!text(role["Policies"]).contains(#""Resource":"*""#))
    }

    @Test func objectCreatedHearsGuardDutysVerdictOnUploads() throws {
        let rule = try resource("ObjectCreatedFunctionScanResult", "AWS::Events::Rule")
        let pattern = try #require(rule["EventPattern"] as? [String: Any])
        #expect(text(pattern["source"]) == #"["aws.guardduty"]"#)
        #expect(text(pattern["detail-type"]) == #"["GuardDuty Malware Protection Object Scan Result"]"#)
        let details = try #require((pattern["detail"] as? [String: Any])?["s3ObjectDetails"] as? [String: Any])
        #expect(text(details["bucketName"]) == #"[{"Ref":"UploadBucket"}]"#)
        #expect(text(details["objectKey"]) == #"[{"prefix":"uploads/"}]"#)
        let targets = try #require(rule["Targets"] as? [[String: Any]])
        #expect(targets.count == 1)
        #expect(text(targets.first?["Arn"]) == #"{"Fn::GetAtt":["ObjectCreatedFunction","Arn"]}"#)
        let deadLetters = text(targets.first?["DeadLetterConfig"])
        #expect(deadLetters.contains("ObjectCreatedDeadLetterQueue"))
        let permission = try resource("ObjectCreatedFunctionScanResultPermission", "AWS::Lambda::Permission")
        #expect(permission["Principal"] as? String == "events.amazonaws.com")
        #expect(text(permission["SourceArn"]) == #"{"Fn::GetAtt":["ObjectCreatedFunctionScanResult","Arn"]}"#)

        // The pattern matches the scan result GuardDuty sends (the fixture object-created replays), for this bucket.
        let fixture = BuiltProducts.projectRoot + "/Events/eventbridge-guardduty-scan-threats-found.json"
        let event = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture))) as? [String: Any]
        )
        let bucketName = try #require(
            ((event["detail"] as? [String: Any])?["s3ObjectDetails"] as? [String: Any])?["bucketName"] as? String
        )
        #expect(event["source"] as? String == "aws.guardduty")
        #expect(event["detail-type"] as? String == "GuardDuty Malware Protection Object Scan Result")
        let sent = (event["detail"] as? [String: Any])?["s3ObjectDetails"] as? [String: Any] ?? [:]
        #expect(bucketName.isEmpty == false && (sent["objectKey"] as? String)?.hasPrefix("uploads/") == true)
        for field in ["bucketName", "objectKey"] {
            #expect(sent[field] != nil, "the event names s3ObjectDetails.\(field), which the pattern filters on")
        }

        // Either rule may dead-letter an event: the queue must let EventBridge send from both.
        let queuePolicy = try resource("ObjectCreatedDeadLetterQueuePolicy", "AWS::SQS::QueuePolicy")
        let statement = try #require(
            ((queuePolicy["PolicyDocument"] as? [String: Any])?["Statement"] as? [[String: Any]])?.first
        )
        #expect(text(statement["Principal"]) == #"{"Service":"events.amazonaws.com"}"#)
        #expect(actions(statement) == ["sqs:SendMessage"])
        let sources = Set(
            literals((statement["Condition"] as? [String: [String: Any]])?["ArnEquals"]?["aws:SourceArn"])
        )
        #expect(sources == ["${ObjectCreatedFunctionObjectCreated.Arn}", "${ObjectCreatedFunctionScanResult.Arn}"])
    }

    @Test func objectCreatedAndPresignGetTheScanSettings() throws {
        let parameters = try #require(template["Parameters"] as? [String: [String: Any]])
        let objectCreated = try environment(of: "ObjectCreatedFunction")
        let settings: [(String, String, Any)] = [
            ("SCAN_REQUIRED", "ScanRequired", "true"), ("UPLOAD_STRIP_METADATA", "StripMetadata", "true"),
            ("VALIDATE_MAX_BYTES", "ValidateMaxBytes", 67_108_864),
        ]
        for (variable, parameter, value) in settings {
            #expect(text(objectCreated[variable]) == #"{"Ref":"\#(parameter)"}"#, "\(variable)")
            #expect(text(parameters[parameter]?["Default"]) == text(value), "\(parameter)")
        }
        #expect(Set(parameters["StripMetadata"]?["AllowedValues"] as? [String] ?? []) == ["true", "false"])
        #expect(text(try environment(of: "PresignFunction")["SCAN_REQUIRED"]) == #"{"Ref":"ScanRequired"}"#)
        // object-created writes an upload again without its metadata.
        #expect(try role("ObjectCreatedFunctionRole", allows: .s3("s3:PutObject", "uploads/u-1/6f1c/photo.png")))
    }

    @Test func theSiteBucketIsReadOnlyThroughCloudFrontWithOAC() throws {
        let site = try resource("SiteBucket", "AWS::S3::Bucket")
        #expect((site["PublicAccessBlockConfiguration"] as? [String: Bool])?.values.allSatisfy { $0 } == true)
        let policy = text(try resource("SiteBucketPolicy", "AWS::S3::BucketPolicy")["PolicyDocument"])
        #expect(policy.contains("cloudfront.amazonaws.com"))
        #expect(policy.contains("AWS:SourceArn"))
        let oac = text(try resource("SiteOriginAccessControl", "AWS::CloudFront::OriginAccessControl"))
        #expect(oac.contains(#""SigningBehavior":"always""#))
    }

    @Test func theDistributionRoutesSiteAPIAndUploadsBehindAWebACL() throws {
        let config = try #require(
            try resource("Distribution", "AWS::CloudFront::Distribution")["DistributionConfig"] as? [String: Any]
        )
        let origins = try #require(config["Origins"] as? [[String: Any]])
        let byID = Dictionary(uniqueKeysWithValues: origins.map { ($0["Id"] as? String ?? "", $0) })
        #expect(byID["site"]?["OriginAccessControlId"] != nil)
        let apiDomain = text(byID["api"]?["DomainName"])
        let uploadDomain = text(byID["upload"]?["DomainName"])
        #expect(apiDomain.contains("execute-api"))
        #expect(uploadDomain.contains("s3-accelerate.amazonaws.com"))
        #expect((config["DefaultCacheBehavior"] as? [String: Any])?["TargetOriginId"] as? String == "site")
        let behaviours = try #require(config["CacheBehaviors"] as? [[String: Any]])
        let api = try #require(behaviours.first { $0["PathPattern"] as? String == "/api/*" })
        #expect(api["TargetOriginId"] as? String == "api")
        #expect(behaviours.contains { $0["TargetOriginId"] as? String == "upload" })
        #expect(text(config["WebACLId"]).contains("WebACL"))
        #expect(text(config["Aliases"]).contains("HasCustomDomain"))
        #expect(text(config["ViewerCertificate"]).contains("AcmCertificateArn"))

        let acl = text(try resource("WebACL", "AWS::WAFv2::WebACL"))
        #expect(acl.contains(#""Scope":"CLOUDFRONT""#))
        #expect(acl.contains("AWSManagedRulesCommonRuleSet"))
        #expect(acl.contains("RateBasedStatement"))
        #expect(acl.contains("GeoMatchStatement") && acl.contains("AllowedCountries"))
        #expect(acl.contains("SizeRestrictions_BODY"), "uploads are large bodies: that rule must only count")
        #expect(acl.contains("SizeRestrictions_QUERYSTRING"), "a presigned part URL's query passes 2 KB: only count")
    }

    @Test func everyUploadGoesThroughTheSiteUncachedWithItsQueryAndHeadersButNotHost() throws {
        for pattern in ["/upload", "/upload/*"] {
            let upload = try behaviour(pattern)
            #expect(upload["TargetOriginId"] as? String == "upload", "\(pattern)")
            let methods = Set(upload["AllowedMethods"] as? [String] ?? [])
            #expect(methods.isSuperset(of: ["PUT", "POST", "OPTIONS"]), "\(pattern): PUT for parts, POST for forms")
            #expect(
                upload["CachePolicyId"] as? String == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
                "Managed-CachingDisabled"
            )
            #expect(
                upload["OriginRequestPolicyId"] as? String == "b689b0a8-53d0-40ab-baf2-68738e2966ac",
                "\(pattern): Managed-AllViewerExceptHostHeader, so every query parameter and signed header reaches S3 and Host is the origin's"
            )
            let functions = try #require(upload["FunctionAssociations"] as? [[String: Any]])
            #expect(functions.count == 1 && functions.first?["EventType"] as? String == "viewer-request", "\(pattern)")
            let function = text(functions.first?["FunctionARN"])
            #expect(function.contains("UploadPathFunction"), "\(pattern)")
        }
        for (name, policy) in resources where policy["Type"] as? String == "AWS::CloudFront::OriginRequestPolicy" {
            #expect(
                !text(policy).lowercased().contains(#""host""#),
                "\(name) forwards Host, which breaks every signature"
            )
        }
        let function = try resource("UploadPathFunction", "AWS::CloudFront::Function")
        #expect(text(function["FunctionConfig"]).contains(#""Runtime":"cloudfront-js-2.0""#))
        let code = try #require(function["FunctionCode"] as? String)
        for recoding in ["decodeURI", "encodeURI", "escape(", "querystring"] {
            #expect(
                !code.contains(recoding),
                "the function must pass the URI's encoding and the query through: \(recoding)"
            )
        }
    }

    @Test(.enabled(if: NodeJS.path != nil, Comment(rawValue: NodeJS.missing)))
    func theUploadPathFunctionStripsOnlyThePrefixWhenRunInNode() throws {
        let code = try #require(
            try resource("UploadPathFunction", "AWS::CloudFront::Function")["FunctionCode"] as? String
        )
        let query: [String: Any] = [
            "partNumber": ["value": "3"], "uploadId": ["value": "2~Zm9v%2Bbar"],
            "X-Amz-Signature": ["value": "0f3e"], "X-Amz-Credential": ["value": "ASIA%2F20261202%2Fus-east-1%2Fs3"],
        ]
        let headers: [String: Any] = [
            "host": ["value": "uploads.example.com"],
            "x-amz-checksum-sha256": ["value": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="],
        ]
        let cases: [(method: String, uri: String, origin: String)] = [
            ("POST", "/upload", "/"),
            ("POST", "/upload/", "/"),
            ("PUT", "/upload/uploads/u-1/6f1c/photo.png", "/uploads/u-1/6f1c/photo.png"),
            ("PUT", "/upload/uploads/u-1/6f1c/big%20file%2B%25%2F.png", "/uploads/u-1/6f1c/big%20file%2B%25%2F.png"),
            ("PUT", "/upload/uploads/u-1/6f1c/%E5%AE%B6.pdf", "/uploads/u-1/6f1c/%E5%AE%B6.pdf"),
            ("PUT", "/upload/upload/twice", "/upload/twice"),
            ("GET", "/uploads", "/uploads"),
        ]
        let events = cases.map { method, uri, _ in
            [
                "version": "1.0", "context": ["eventType": "viewer-request"], "viewer": ["ip": "198.51.100.7"],
                "request": ["method": method, "uri": uri, "querystring": query, "headers": headers, "cookies": [:]],
            ] as [String: Any]
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ue-cff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let codeFile = directory.appendingPathComponent("function.js")
        let eventsFile = directory.appendingPathComponent("events.json")
        try Data(code.utf8).write(to: codeFile)
        try JSONSerialization.data(withJSONObject: events).write(to: eventsFile)
        // The function is a plain handler() as CloudFront runs it: evaluate it and call it on each event.
        let run = """
            const fs = require('fs');
            const handler = new Function(fs.readFileSync(process.argv[1], 'utf8') + '\\nreturn handler;')();
            const events = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
            process.stdout.write(JSON.stringify(events.map((event) => handler(event))));
            """
        let node = try #require(NodeJS.path)
        let result = try CommandResult.run([node, "-e", run, codeFile.path, eventsFile.path])
        try #require(result.status == 0, "node: \(result.standardError)")
        let requests = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]]
        )
        try #require(requests.count == cases.count)
        for (request, expected) in zip(requests, cases) {
            #expect(request["uri"] as? String == expected.origin, "\(expected.method) \(expected.uri)")
            #expect(request["method"] as? String == expected.method)
            #expect(text(request["querystring"]) == text(query), "the query goes to S3 as the viewer sent it")
            #expect(text(request["headers"]) == text(headers))
        }
    }

    @Test func theMultipartRoutesReachPresignBehindTheJWTAuthorizer() throws {
        let body = try #require(try resource("HttpApi", "AWS::ApiGatewayV2::Api")["Body"] as? [String: Any])
        let paths = try #require(body["paths"] as? [String: Any])
        // GET /uploads/multipart is a route of its own: API Gateway prefers it to the greedy /uploads/{key+}.
        let routes = [
            ("POST", "/uploads"), ("GET", "/uploads"), ("GET", "/uploads/{key+}"),
            ("POST", "/uploads/multipart/parts"), ("POST", "/uploads/multipart/complete"),
            ("GET", "/uploads/multipart"), ("DELETE", "/uploads/multipart"),
        ]
        for (method, path) in routes {
            let operation = try #require(
                (paths[path] as? [String: Any])?[method.lowercased()] as? [String: Any],
                "\(method) \(path) is missing"
            )
            #expect(text(operation["x-amazon-apigateway-integration"]).contains("${PresignFunction.Arn}"), "\(path)")
            #expect(text(operation["security"]) == #"[{"CognitoJWT":[]}]"#, "\(method) \(path) needs the authorizer")
        }
        let permissions = resources.values.filter {
            $0["Type"] as? String == "AWS::Lambda::Permission"
                && text($0["Properties"]).contains(#""Ref":"PresignFunction""#)
        }
        for (method, path) in routes {
            #expect(
                permissions.contains { text($0["Properties"]).contains("}/\(method)\(path)\"") },
                "API Gateway may not invoke presign for \(method) \(path)"
            )
        }
        let cors = try #require(body["x-amazon-apigateway-cors"] as? [String: Any])
        #expect(Set(cors["allowMethods"] as? [String] ?? []).isSuperset(of: ["GET", "POST", "DELETE"]))
    }

    @Test func presignGetsTheMultipartSettingsTheSessionKeysAndTheUploadEndpoint() throws {
        let variables = try environment(of: "PresignFunction")
        let parameters = try #require(template["Parameters"] as? [String: [String: Any]])
        let settings = [
            ("UPLOAD_MULTIPART_THRESHOLD", "MultipartThresholdBytes", 67_108_864),
            ("UPLOAD_PART_BYTES", "PartBytes", 8_388_608),
            ("UPLOAD_MULTIPART_EXPIRES_SECONDS", "MultipartExpiresSeconds", 86_400),
        ]
        for (variable, parameter, value) in settings {
            #expect(text(variables[variable]) == #"{"Ref":"\#(parameter)"}"#, "\(variable)")
            #expect(parameters[parameter]?["Default"] as? Int == value, "\(parameter)")
        }
        #expect(parameters["PartBytes"]?["MinValue"] as? Int == 5_242_880, "S3's smallest part")
        #expect(parameters["MaxUploadBytes"]?["MaxValue"] as? Int == 5_497_558_138_880, "in parts, up to 5 TiB")

        #expect(
            text(variables["UPLOAD_SESSION_KEY"])
                == #"{"Fn::Sub":"{{resolve:secretsmanager:${UploadSessionKey}:SecretString}}"}"#
        )
        let secret = try resource("UploadSessionKey", "AWS::SecretsManager::Secret")
        let generated = try #require(secret["GenerateSecretString"] as? [String: Any])
        #expect((generated["PasswordLength"] as? Int ?? 0) >= 64)
        #expect(generated["ExcludePunctuation"] as? Bool == true)
        #expect(text(variables["UPLOAD_SESSION_KEY_PREVIOUS"]) == #"{"Ref":"PreviousSessionKey"}"#)
        #expect(parameters["PreviousSessionKey"]?["NoEcho"] as? Bool == true)
        #expect(parameters["PreviousSessionKey"]?["Default"] as? String == "", "no previous key but during a rotation")
        for function in ["AuthorizeFunction", "PreTokenFunction", "ObjectCreatedFunction"] {
            #expect(!text(try environment(of: function)).contains("UPLOAD_SESSION_KEY"), "only presign has the key")
        }

        let endpoint = text(variables["UPLOAD_PUBLIC_ENDPOINT"])
        #expect(endpoint.contains(#""Fn::Sub":"https://${DomainName}/upload""#))
        #expect(endpoint.contains(#""Ref":"PublicUploadEndpoint""#))
        #expect(
            !text(variables).contains("Distribution"),
            "Distribution -> HttpApi -> PresignFunction: presign naming the distribution would be a cycle"
        )
    }

    @Test func cfnLintFindsNothingNotEvenADependencyCycle() throws {
        let python = try #require(PythonTools.python)
        let lint = "import sys; from cfnlint.runner import main; sys.argv = ['cfn-lint', sys.argv[1]]; sys.exit(main())"
        let result = try CommandResult.run([python, "-c", lint, BuiltProducts.projectRoot + "/template.yaml"])
        #expect(result.status == 0, "cfn-lint template.yaml:\n\(result.standardOutput)\(result.standardError)")
    }

    @Test func cognitoHasAPoolAClientAndThePreTokenTrigger() throws {
        let pool = text(try resource("UserPool", "AWS::Cognito::UserPool"))
        #expect(pool.contains("PreTokenGenerationConfig") && pool.contains("PreTokenFunction"))
        #expect(pool.contains(#""LambdaVersion":"V2_0""#))
        let client = text(try resource("UserPoolClient", "AWS::Cognito::UserPoolClient"))
        #expect(client.contains("ALLOW_USER_PASSWORD_AUTH") && client.contains(#""GenerateSecret":false"#))
        let permission = text(try resource("PreTokenInvokePermission", "AWS::Lambda::Permission"))
        #expect(permission.contains("cognito-idp.amazonaws.com"))
    }

    @Test func theHTTPAPIGuardsPostUploadsWithTheCognitoJWTAuthorizer() throws {
        let api = try resource("HttpApi", "AWS::ApiGatewayV2::Api")
        let body = try #require(api["Body"] as? [String: Any])
        let paths = try #require(body["paths"] as? [String: Any])
        let post = try #require((paths["/uploads"] as? [String: Any])?["post"] as? [String: Any])
        #expect(text(post["security"]) == #"[{"CognitoJWT":[]}]"#)
        for path in ["/uploads", "/uploads/{key+}"] {
            let get = (paths[path] as? [String: Any])?["get"] as? [String: Any]
            #expect(text(get?["security"]) == #"[{"CognitoJWT":[]}]"#, "GET \(path) needs the authorizer too")
        }
        let schemes = text((body["components"] as? [String: Any])?["securitySchemes"])
        #expect(schemes.contains(#""type":"jwt""#) && schemes.contains("cognito-idp"))
        #expect(schemes.contains("LambdaVerifier"), "authorize is offered as the alternative")
        #expect(text(body["x-amazon-apigateway-cors"]).contains("authorization"))
        #expect(try resource("HttpApiapiStage", "AWS::ApiGatewayV2::Stage")["StageName"] as? String == "api")
    }

    @Test func theFunctionsShareOneZipPickTheirHandlerAndLogJSONWithRetention() throws {
        let functions = [
            "PresignFunction": "presign", "AuthorizeFunction": "authorize", "PreTokenFunction": "pretoken",
            "ObjectCreatedFunction": "object-created",
        ]
        for (name, handler) in functions {
            let function = try resource(name, "AWS::Lambda::Function")
            #expect(function["Handler"] as? String == handler, "\(name)")
            #expect(text(function["Runtime"]) == #"{"Ref":"Runtime"}"#, "\(name)")
            #expect(text(function["Code"]).contains("upload-edge-lambda.zip"), "\(name)")
            #expect(text(function["LoggingConfig"]).contains(#""LogFormat":"JSON""#), "\(name)")
            let group = name.replacingOccurrences(of: "Function", with: "LogGroup")
            #expect(try resource(group, "AWS::Logs::LogGroup")["RetentionInDays"] != nil, "\(group)")
        }
        let rule = text(try resource("ObjectCreatedFunctionObjectCreated", "AWS::Events::Rule"))
        #expect(rule.contains("Object Created") && rule.contains("uploads/") && rule.contains("DeadLetterConfig"))
    }

    @Test func policiesAreLeastPrivilege() throws {
        let presign = text(try resource("PresignFunctionRole", "AWS::IAM::Role")["Policies"])
        #expect(presign.contains(#""s3:PutObject""#) && presign.contains("/uploads/*"))
        #expect(presign.contains("kms:GenerateDataKey"))
        #expect(!presign.contains("s3:*") && !presign.contains("s3:DeleteObject"))
        // GetObject, for the download route's presigned GET, under uploads/ only (the bucket policy gates it).
        for statement in try statements(ofRole: "PresignFunctionRole") where actions(statement).contains("s3:GetObject")
        {
            #expect(text(statement["Resource"]) == #"{"Fn::Sub":"${UploadBucket.Arn}/uploads/*"}"#)
        }
        let validator = text(try resource("ObjectCreatedFunctionRole", "AWS::IAM::Role")["Policies"])
        for action in ["s3:GetObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:PutObject", "s3:ListBucket"] {
            #expect(validator.contains(action), "\(action)")
        }
        #expect(!validator.contains("s3:*") && !validator.contains(#""Resource":"*""#))
        let authorize = text(try resource("AuthorizeFunctionRole", "AWS::IAM::Role"))
        #expect(!authorize.contains("s3:"), "authorize touches no bucket")
    }

    @Test func presignMayUploadInPartsOnlyUnderUploadsAndDecryptItsParts() throws {
        let statements = try statements(ofRole: "PresignFunctionRole")
        for action in ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"] {
            let granting = statements.filter { actions($0).contains(action) }
            #expect(!granting.isEmpty, "\(action) is not granted")
            for statement in granting {
                #expect(
                    text(statement["Resource"]) == #"{"Fn::Sub":"${UploadBucket.Arn}/uploads/*"}"#,
                    "\(action) must be scoped to uploads/*"
                )
            }
        }
        let kms = statements.filter { statement in actions(statement).contains { $0.hasPrefix("kms:") } }
        #expect(
            Set(kms.flatMap(actions)) == ["kms:GenerateDataKey", "kms:Decrypt"],
            "parts of an SSE-KMS upload need Decrypt"
        )
        #expect(kms.allSatisfy { text($0["Resource"]) == #"{"Fn::GetAtt":["UploadKey","Arn"]}"# })
    }

    @Test func theOutputsNameWhatAUserNeeds() throws {
        let outputs = try #require(template["Outputs"] as? [String: Any])
        let names = [
            "SiteUrl", "ApiUrl", "UserPoolId", "UserPoolClientId", "UploadBucketName", "UploadEndpoint",
            "BrandedUploadEndpoint", "UploadSessionKeyArn",
        ]
        for name in names {
            #expect(outputs[name] != nil, "\(name)")
        }
    }
}

/// The `node` that runs the CloudFront Function's code: `UPLOAD_EDGE_NODE`, else the first `node` on `PATH`.
enum NodeJS {
    static let path: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let configured = environment["UPLOAD_EDGE_NODE"], !configured.isEmpty { return configured }
        let directories =
            (environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return directories.map { $0 + "/node" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let missing = "needs node to run the CloudFront Function: install Node.js, or set UPLOAD_EDGE_NODE to it"
}
