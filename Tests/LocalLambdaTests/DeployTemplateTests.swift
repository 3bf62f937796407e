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
        #expect(text(bucket["CorsConfiguration"]).contains("POST"))
        let lifecycle = text(bucket["LifecycleConfiguration"])
        #expect(lifecycle.contains("AbortIncompleteMultipartUpload"))
        #expect(lifecycle.contains(#""Prefix":"quarantine/""#))
        #expect(text(bucket["NotificationConfiguration"]).contains(#""EventBridgeEnabled":true"#))

        let policy = text(try resource("UploadBucketPolicy", "AWS::S3::BucketPolicy")["PolicyDocument"])
        #expect(policy.contains(#""aws:SecureTransport":"false""#))
        #expect(policy.contains(#""s3:x-amz-server-side-encryption":"aws:kms""#))
        #expect(policy.contains("s3:x-amz-server-side-encryption-aws-kms-key-id"))
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
        let upload = try #require(behaviours.first { $0["TargetOriginId"] as? String == "upload" })
        #expect((upload["AllowedMethods"] as? [String])?.contains("POST") == true)
        #expect(upload["OriginRequestPolicyId"] != nil)
        #expect(text(upload["FunctionAssociations"]).contains("viewer-request"))
        #expect(text(config["WebACLId"]).contains("WebACL"))
        #expect(text(config["Aliases"]).contains("HasCustomDomain"))
        #expect(text(config["ViewerCertificate"]).contains("AcmCertificateArn"))

        let headers = text(try resource("UploadOriginRequestPolicy", "AWS::CloudFront::OriginRequestPolicy"))
        #expect(headers.contains("Origin") && !headers.contains(#""Host""#))
        let acl = text(try resource("WebACL", "AWS::WAFv2::WebACL"))
        #expect(acl.contains(#""Scope":"CLOUDFRONT""#))
        #expect(acl.contains("AWSManagedRulesCommonRuleSet"))
        #expect(acl.contains("RateBasedStatement"))
        #expect(acl.contains("GeoMatchStatement") && acl.contains("AllowedCountries"))
        #expect(acl.contains("SizeRestrictions_BODY"), "uploads are large bodies: that rule must only count")
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
        #expect(presign.contains(#""Action":"s3:PutObject""#) && presign.contains("/uploads/*"))
        #expect(presign.contains("kms:GenerateDataKey"))
        #expect(
            !presign.contains("s3:*") && !presign.contains("s3:DeleteObject") && !presign.contains("s3:GetObject\"")
        )
        let validator = text(try resource("ObjectCreatedFunctionRole", "AWS::IAM::Role")["Policies"])
        for action in ["s3:GetObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:PutObject", "s3:ListBucket"] {
            #expect(validator.contains(action), "\(action)")
        }
        #expect(!validator.contains("s3:*") && !validator.contains(#""Resource":"*""#))
        let authorize = text(try resource("AuthorizeFunctionRole", "AWS::IAM::Role"))
        #expect(!authorize.contains("s3:"), "authorize touches no bucket")
    }

    @Test func theOutputsNameWhatAUserNeeds() throws {
        let outputs = try #require(template["Outputs"] as? [String: Any])
        for name in ["SiteUrl", "ApiUrl", "UserPoolId", "UserPoolClientId", "UploadBucketName"] {
            #expect(outputs[name] != nil, "\(name)")
        }
    }
}
